import Dissemination
import GossipCore
import GossipTestKit

/// The dissemination engine in continuous time: every node runs its own gossip timer (period ``Configuration/interval``,
/// a random phase per node), and every message takes a latency drawn from a `LatencyModel`, so that rounds blur
/// into each other as they do in a real cluster. For 10³ to about 10⁶ nodes.
///
/// Decisions are the `Dissemination` module's, as in ``RoundSimulation``: a spreader pushes to `fanout` peers
/// per tick (and with push-pull an uninformed node asks one peer per tick), rumor policies decide on feedback that
/// returns with the reply, and the run ends when no spreader is left or everyone knows.
public struct ContinuousSimulation: Sendable {
    /// What to simulate.
    public struct Configuration: Sendable {
        /// Nodes, at least 2.
        public var nodes: Int
        /// Push or push-pull (pull alone is push-pull without pushes).
        public var mode: Dissemination.Mode
        /// How long a node keeps spreading.
        public var forwarding: Dissemination.Forwarding
        /// Peers per push tick.
        public var fanout: Int = 1
        /// The gossip period of every node.
        public var interval: Duration = .milliseconds(200)
        /// One-way message latency.
        public var latency: LatencyModel = .uniform(.milliseconds(1), .milliseconds(50))
        /// Share of messages lost.
        public var lossRate: Double = 0
        /// The peer graph.
        public var topology: Topology = .complete
        /// Virtual time after which the run stops in any case.
        public var limit: Duration = .seconds(600)

        /// A configuration with defaults for the rest.
        public init(nodes: Int, mode: Dissemination.Mode, forwarding: Dissemination.Forwarding) {
            self.nodes = nodes
            self.mode = mode
            self.forwarding = forwarding
        }
    }

    /// What one run produced. Times are seconds from the first node's learning of the update.
    public struct Outcome: Sendable, Hashable, Codable {
        /// When every node knew the update, if that happened.
        public var fullCoverageSeconds: Double?
        /// Mean time at which a node learned the update (the origin excluded).
        public var tAverageSeconds: Double
        /// The last time a node learned the update.
        public var tLastSeconds: Double
        /// The share of nodes that never learned it.
        public var residue: Double
        /// Messages that carried the update.
        public var messages: Int
        /// Messages that reached a node that already had it.
        public var duplicates: Int
        /// Informed nodes sampled every gossip interval (element 0 at time 0).
        public var informedOverTime: [Int]
    }

    enum Event {
        case tick(node: Int32)
        case update(to: Int32, from: Int32)
        case request(to: Int32, from: Int32)
        case feedback(to: Int32, recipientKnew: Bool)
    }

    /// The configuration.
    public let configuration: Configuration
    /// The peer graph.
    public let graph: PeerGraph

    /// An engine; the peer graph is built from `graphSeed`.
    public init(_ configuration: Configuration, graphSeed: UInt64 = 0) {
        precondition(configuration.nodes >= 2, "a simulation needs at least two nodes")
        precondition(configuration.interval > .zero, "the gossip interval must be positive")
        self.configuration = configuration
        self.graph = PeerGraph(configuration.topology, nodeCount: configuration.nodes, seed: graphSeed)
    }

    /// Runs one spread from a random node.
    public func run(seed: UInt64) -> Outcome {
        let config = configuration
        let n = config.nodes
        var rng = SeededRandom(seed: seed)
        var scheduler = VirtualScheduler<Event>()
        // Phase: 0 susceptible, 1 infective, 2 removed.
        var phase = [UInt8](repeating: 0, count: n)
        var counter = [UInt8](repeating: 0, count: n)
        var informed = 1
        var spreaders = 1
        var messages = 0
        var duplicates = 0
        var learnedSum = 0.0
        var tLast = 0.0
        var fullCoverage: Double?
        var samples = [1]
        let origin = rng.nextIndex(below: n)
        phase[origin] = 1
        for node in 0..<n {
            scheduler.schedule(.tick(node: Int32(node)), at: .zero + rng.nextDuration(below: config.interval))
        }
        let end = Instant.zero + config.limit
        var nextSample = Instant.zero + config.interval

        var inFlight = 0
        func send(_ event: Event) {
            if config.lossRate > 0 && rng.nextBool(probability: config.lossRate) { return }
            inFlight += 1
            scheduler.schedule(event, at: scheduler.now + config.latency.sample(using: &rng))
        }
        func learn(_ node: Int, at now: Instant) {
            informed += 1
            learnedSum += now.seconds
            tLast = now.seconds
            phase[node] = 1
            spreaders += 1
            if informed == n && fullCoverage == nil { fullCoverage = now.seconds }
        }
        func loseInterest(_ node: Int) {
            guard phase[node] == 1 else { return }
            phase[node] = 2
            spreaders -= 1
        }

        // Pulls find an answer as long as someone who knows keeps answering (anti-entropy).
        let pullsForever = config.mode.pulls && config.forwarding == .forever
        while spreaders > 0 || inFlight > 0 || (pullsForever && informed < n),
            let event = scheduler.next(notAfter: end)
        {
            let now = scheduler.now
            if case .tick = event {} else { inFlight -= 1 }
            while now >= nextSample {
                samples.append(informed)
                nextSample = nextSample + config.interval
            }
            switch event {
            case .tick(let node32):
                let node = Int(node32)
                scheduler.schedule(.tick(node: node32), at: now + config.interval)
                if phase[node] == 1 && config.mode.pushes {
                    for _ in 0..<config.fanout {
                        guard let peer = graph.randomPeer(of: node, using: &rng) else { break }
                        messages += 1
                        send(.update(to: Int32(peer), from: node32))
                    }
                    if case .infectAndDie = config.forwarding { loseInterest(node) }
                } else if phase[node] == 0 && config.mode.pulls {
                    if let peer = graph.randomPeer(of: node, using: &rng) {
                        send(.request(to: Int32(peer), from: node32))
                    }
                }
            case .update(let to, let from):
                let recipient = Int(to)
                let knew = phase[recipient] != 0
                if knew { duplicates += 1 } else { learn(recipient, at: now) }
                if case .rumor = config.forwarding { send(.feedback(to: from, recipientKnew: knew)) }
            case .request(let to, let from):
                // A node that knows the update answers a pull; a spreader counts the contact like a push.
                if phase[Int(to)] != 0 && (phase[Int(to)] == 1 || config.forwarding == .forever) {
                    messages += 1
                    send(.update(to: from, from: to))
                }
            case .feedback(let to, let recipientKnew):
                let sender = Int(to)
                guard phase[sender] == 1, case .rumor(let policy) = config.forwarding else { break }
                if !policy.recordContact(counter: &counter[sender], recipientKnew: recipientKnew, using: &rng) {
                    loseInterest(sender)
                }
            }
            if informed == n, case .forever = config.forwarding { break }
        }
        samples.append(informed)
        return Outcome(
            fullCoverageSeconds: fullCoverage, tAverageSeconds: informed > 1 ? learnedSum / Double(informed - 1) : 0,
            tLastSeconds: tLast, residue: Double(n - informed) / Double(n), messages: messages,
            duplicates: duplicates, informedOverTime: samples)
    }
}
