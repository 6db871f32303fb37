import Dissemination
import GossipCore

/// The general dissemination engine in synchronous rounds ("cycles" in Demers et al.): any mode, any forwarding
/// rule, any fanout and peer graph, with loss and per-node bandwidth caps, for up to about 10⁶ nodes.
///
/// Every decision comes from the `Dissemination` module: whether a spreader stays interested
/// (`Dissemination.RumorPolicy.recordContact(counter:recipientKnew:using:)`), how many peers it calls
/// (`Dissemination.FanoutPolicy`, `Dissemination.AdaptiveFanout`), whether a newly informed node forwards at all
/// (`Dissemination.ProbabilisticForwarding`) and how much it may send (`Dissemination.BandwidthCap`).
///
/// The round follows Demers et al.'s model: every spreader (push) or every node (pull) makes its contacts; whether
/// a recipient "already knew" is judged against its state at the start of the round, and every change of state
/// (informed, lost interest) takes effect at the round's end. A pushing spreader records each of its contacts with
/// its rumor policy in turn; a spreader that is pulled from by several callers in one round records the round as
/// one contact, useful if any caller needed the rumor (so that, as with push, its counter moves at most once per
/// round: this is the reading under which the model gives Demers et al.'s Table 3). Per-node state is six bytes: phase, counter,
/// fanout, pull feedback and the round the node learned the update.
public struct RoundSimulation: Sendable {
    /// What to simulate.
    public struct Configuration: Sendable, Hashable, Codable {
        /// Nodes, at least 2.
        public var nodes: Int
        /// Push, pull or push-pull.
        public var mode: Dissemination.Mode
        /// How long a node keeps spreading.
        public var forwarding: Dissemination.Forwarding
        /// Peers a spreader calls per round with push (pull and push-pull callers call one).
        public var fanout: Dissemination.FanoutPolicy = .fixed(1)
        /// Probability that a newly informed node becomes a spreader at all (1: always).
        public var forwardProbability: Double = 1
        /// A per-node cap on messages or bytes per round.
        public var bandwidth: Dissemination.BandwidthCap = .unlimited
        /// Bytes of one message carrying the update, for byte counts and byte caps.
        public var messageSize: Int = 100
        /// Probability that a message is lost.
        public var lossRate: Double = 0
        /// The peer graph.
        public var topology: Topology = .complete
        /// Rounds after which the run stops even if spreaders remain.
        public var maxRounds: Int = 10_000
        /// Nodes that are down for the whole run: they neither receive nor send.
        public var downNodes: Set<Int> = []
        /// Whether the outcome lists the round each node learned the update (for spatial plots).
        public var recordsLearnedRounds = false

        /// A configuration with the given essentials and defaults for the rest.
        public init(nodes: Int, mode: Dissemination.Mode, forwarding: Dissemination.Forwarding) {
            self.nodes = nodes
            self.mode = mode
            self.forwarding = forwarding
        }
    }

    /// Susceptible, infective and removed nodes after a round.
    public struct PhaseCounts: Sendable, Hashable, Codable {
        /// Nodes that have not heard the update.
        public var susceptible: Int
        /// Nodes spreading it.
        public var infective: Int
        /// Nodes that know it and no longer spread it.
        public var removed: Int
    }

    /// What one run produced.
    public struct Outcome: Sendable, Hashable, Codable {
        /// Rounds until no spreader was left (or until everyone knew, for anti-entropy).
        public var rounds: Int
        /// The first round after which every node that is up knew the update, if that happened.
        public var roundsToFullCoverage: Int?
        /// Residue s: the share of nodes that never heard the update.
        public var residue: Double
        /// Traffic m: messages that carried the update, per node.
        public var traffic: Double
        /// Mean round in which a node learned the update (over the nodes that learned it, the origin excluded).
        public var tAverage: Double
        /// The last round in which a node learned the update.
        public var tLast: Int
        /// Messages that carried the update.
        public var messages: Int
        /// Messages lost on the way.
        public var lost: Int
        /// Messages that reached a node that already had the update.
        public var duplicates: Int
        /// Pull requests sent (contacts that asked rather than told).
        public var requests: Int
        /// Bytes sent: messages × message size.
        public var bytes: Int
        /// Phase counts at the start (element 0) and after every round.
        public var timeline: [PhaseCounts]
        /// Messages between nodes of different zones (zones topology only).
        public var crossZoneMessages: Int = 0
        /// The round each node learned the update (-1: never; 0: the origin), if asked for.
        public var learnedRounds: [Int32]? = nil

        /// Useful deliveries over all deliveries: the share of delivered messages that informed someone.
        public var efficiency: Double {
            let delivered = messages - lost
            return delivered > 0 ? Double(delivered - duplicates) / Double(delivered) : 0
        }

        /// The share of nodes that know the update at the end.
        public var coverage: Double { 1 - residue }
    }

    /// The configuration.
    public let configuration: Configuration
    /// The peer graph, built once and shared by every run.
    public let graph: PeerGraph

    /// An engine for `configuration`; the peer graph is built from `graphSeed`.
    public init(_ configuration: Configuration, graphSeed: UInt64 = 0) {
        precondition(configuration.nodes >= 2, "a simulation needs at least two nodes")
        self.configuration = configuration
        self.graph = PeerGraph(configuration.topology, nodeCount: configuration.nodes, seed: graphSeed)
    }

    // Phases. "Leaving" acts as infective for the rest of the round and is removed at its end; "learning" acts as
    // susceptible for the rest of the round and is infective (or removed) at its end.
    private static let susceptible: UInt8 = 0
    private static let infective: UInt8 = 1
    private static let removed: UInt8 = 2
    private static let leaving: UInt8 = 3
    private static let learning: UInt8 = 4

    /// Runs one spread from `origin` (a random node if `nil`).
    public func run(seed: UInt64, origin: Int? = nil) -> Outcome {
        let config = configuration
        let n = config.nodes
        var rng = SeededRandom(seed: seed)
        var phase = [UInt8](repeating: Self.susceptible, count: n)
        var counter = [UInt8](repeating: 0, count: n)
        var learnedRound = [UInt16](repeating: .max, count: n)
        let initialFanout = UInt8(clamping: config.fanout.initialFanout(clusterSize: n))
        var fanout = [UInt8](repeating: initialFanout, count: n)
        var received = [UInt8](repeating: 0, count: 0)
        var duplicatesSeen = [UInt8](repeating: 0, count: 0)
        var adaptive: Dissemination.AdaptiveFanout?
        if case .adaptive(let policy) = config.fanout {
            adaptive = policy
            received = [UInt8](repeating: 0, count: n)
            duplicatesSeen = [UInt8](repeating: 0, count: n)
        }
        // Bit 0: some caller needed the rumor this round; bit 1: some caller already knew it.
        var pulledFrom = [UInt8](repeating: 0, count: n)
        var down = [Bool](repeating: false, count: n)
        for node in config.downNodes where node < n { down[node] = true }
        var start = origin ?? rng.nextIndex(below: n)
        let downCount = down.filter { $0 }.count
        precondition(downCount < n, "at least one node must be up")
        while down[start] { start = (start + 1) % n }
        phase[start] = Self.infective
        learnedRound[start] = 0

        var outcome = Outcome(
            rounds: 0, roundsToFullCoverage: nil, residue: 0, traffic: 0, tAverage: 0, tLast: 0, messages: 0,
            lost: 0, duplicates: 0, requests: 0, bytes: 0,
            timeline: [PhaseCounts(susceptible: n - 1, infective: 1, removed: 0)])
        var learnedSum = 0
        var learnedCount = 0
        var infectiveCount = 1
        var round = 0

        /// Delivers the update from `sender` to `recipient`; returns whether the recipient knew it at round start.
        let zoned: Bool
        if case .zones = config.topology { zoned = true } else { zoned = false }
        func deliver(to recipient: Int, from sender: Int) -> (delivered: Bool, knew: Bool) {
            outcome.messages += 1
            if zoned && graph.zone(of: recipient) != graph.zone(of: sender) { outcome.crossZoneMessages += 1 }
            if down[recipient] {
                outcome.lost += 1
                return (false, false)
            }
            if config.lossRate > 0 && rng.nextBool(probability: config.lossRate) {
                outcome.lost += 1
                return (false, false)
            }
            let recipientPhase = phase[recipient]
            let knew =
                recipientPhase == Self.infective || recipientPhase == Self.removed || recipientPhase == Self.leaving
            let duplicate = recipientPhase != Self.susceptible
            if duplicate { outcome.duplicates += 1 }
            if adaptive != nil {
                received[recipient] &+= 1
                if duplicate { duplicatesSeen[recipient] &+= 1 }
            }
            if recipientPhase == Self.susceptible { phase[recipient] = Self.learning }
            return (true, knew)
        }

        /// Tells the forwarding rule about one contact of `spreader`; marks it leaving if it lost interest.
        func recordContact(of spreader: Int, recipientKnew: Bool) {
            guard case .rumor(let policy) = config.forwarding, phase[spreader] == Self.infective else { return }
            if !policy.recordContact(counter: &counter[spreader], recipientKnew: recipientKnew, using: &rng) {
                phase[spreader] = Self.leaving
            }
        }

        while infectiveCount > 0 && round < config.maxRounds {
            if case .forever = config.forwarding, outcome.timeline.last!.susceptible == downCount { break }
            round += 1
            for node in 0..<n where !down[node] {
                let nodePhase = phase[node]
                let spreading = nodePhase == Self.infective || nodePhase == Self.leaving
                switch config.mode {
                case .push:
                    guard spreading else { continue }
                    let contacts = config.bandwidth.allowance(
                        wanted: Int(fanout[node]), messageSize: config.messageSize)
                    for _ in 0..<contacts {
                        guard phase[node] == Self.infective, let peer = graph.randomPeer(of: node, using: &rng) else {
                            break
                        }
                        let result = deliver(to: peer, from: node)
                        if result.delivered { recordContact(of: node, recipientKnew: result.knew) }
                    }
                case .pull, .pushPull:
                    // Under anti-entropy only nodes lacking the update need to call in pull mode.
                    if case .forever = config.forwarding, config.mode == .pull, spreading || nodePhase == Self.removed {
                        continue
                    }
                    guard let peer = graph.randomPeer(of: node, using: &rng) else { continue }
                    if config.mode == .pushPull && spreading && phase[node] == Self.infective {
                        let result = deliver(to: peer, from: node)
                        if result.delivered { recordContact(of: node, recipientKnew: result.knew) }
                    }
                    let peerPhase = phase[peer]
                    if peerPhase == Self.infective || peerPhase == Self.leaving {
                        let result = deliver(to: node, from: peer)
                        if result.delivered && peerPhase == Self.infective {
                            pulledFrom[peer] |= result.knew ? 2 : 1
                        }
                    } else {
                        outcome.requests += 1
                    }
                }
                if case .infectAndDie = config.forwarding, spreading { phase[node] = Self.leaving }
            }

            for node in 0..<n where pulledFrom[node] != 0 {
                recordContact(of: node, recipientKnew: pulledFrom[node] & 1 == 0)
                pulledFrom[node] = 0
            }
            // End of round: every change takes effect.
            var counts = PhaseCounts(susceptible: 0, infective: 0, removed: 0)
            for node in 0..<n {
                switch phase[node] {
                case Self.learning:
                    learnedRound[node] = UInt16(clamping: round)
                    learnedSum += round
                    learnedCount += 1
                    outcome.tLast = round
                    let forwards = rng.nextBool(probability: config.forwardProbability)
                    phase[node] = forwards ? Self.infective : Self.removed
                case Self.leaving:
                    phase[node] = Self.removed
                default:
                    break
                }
                if let adaptive, received[node] > 0 {
                    fanout[node] = UInt8(
                        clamping: adaptive.adjusted(
                            Int(fanout[node]), received: Int(received[node]), duplicates: Int(duplicatesSeen[node])))
                    received[node] = 0
                    duplicatesSeen[node] = 0
                }
                switch phase[node] {
                case Self.susceptible: counts.susceptible += 1
                case Self.infective: counts.infective += 1
                default: counts.removed += 1
                }
            }
            infectiveCount = counts.infective
            outcome.timeline.append(counts)
            if counts.susceptible == downCount && outcome.roundsToFullCoverage == nil {
                outcome.roundsToFullCoverage = round
            }
        }

        outcome.rounds = round
        let final = outcome.timeline.last!
        outcome.residue = Double(final.susceptible) / Double(n)
        outcome.traffic = Double(outcome.messages) / Double(n)
        outcome.tAverage = learnedCount > 0 ? Double(learnedSum) / Double(learnedCount) : 0
        outcome.bytes = outcome.messages * config.messageSize
        if config.recordsLearnedRounds {
            outcome.learnedRounds = learnedRound.map { $0 == .max ? -1 : Int32($0) }
        }
        return outcome
    }
}
