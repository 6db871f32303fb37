import Broadcast
import GossipCore
import GossipTestKit

/// Broadcast over an overlay in continuous virtual time: `n` nodes run `Broadcast.BroadcastNode` (Plumtree on
/// HyParView, or flooding on the same overlay), every message takes its link's latency, and a node learns that a
/// neighbour failed, or that a peer it sends to is gone, one round trip later (as a broken connection tells it). The overlay is built by joins
/// through random earlier nodes and settled by shuffles; then a share of the nodes may fail at once, and
/// broadcasts are sent one after another from random live nodes, each measured: reliability (share of live nodes
/// delivering), RMR (payload messages / (nodes reached − 1) − 1), last delivery hop and latency.
public struct BroadcastSimulation: Sendable {
    /// How broadcasts travel.
    public enum Spreading: String, Sendable, CaseIterable {
        /// Plumtree's eager tree with lazy announcements and grafts.
        case plumtree
        /// Every node sends every new payload to all its overlay neighbours.
        case flood
    }

    /// What to run.
    public struct Configuration: Sendable {
        /// Nodes. Default: 1,000.
        public var nodes = 1_000
        /// How broadcasts travel. Default: Plumtree.
        public var spreading = Spreading.plumtree
        /// The overlay's sizes and walk lengths. Default: the paper's.
        public var overlay = Broadcast.HyParView<Int>.Configuration()
        /// The tree's timeouts. Default: Plumtree's defaults.
        public var tree = Broadcast.Plumtree<Int>.Configuration()
        /// Time between two joins while the overlay is built. Default: 5 ms.
        public var joinSpacing: Duration = .milliseconds(5)
        /// How long the overlay settles (shuffles) after the last join. Default: 60 s.
        public var settle: Duration = .seconds(60)
        /// Share of the nodes that fail at once after settling (0 for a stable run). Default: 0.
        public var failureShare = 0.0
        /// Broadcasts sent after the failures. Default: 20.
        public var broadcasts = 20
        /// Time between two broadcasts. Default: 1 s.
        public var broadcastInterval: Duration = .seconds(1)
        /// The bytes of each payload. Default: 64.
        public var payloadBytes = 64
        /// Links take between these two latencies (each link its own, fixed). Default: 5–50 ms.
        public var latency: ClosedRange<Double> = 0.005...0.050
        /// The seed of every random choice.
        public var seed: UInt64 = 1

        /// The defaults.
        public init() {}
    }

    /// One broadcast's measurements.
    public struct BroadcastOutcome: Sendable, Hashable {
        /// Live nodes when it was sent.
        public var liveNodes: Int
        /// Live nodes that delivered it.
        public var delivered: Int
        /// Payload messages sent for it.
        public var payloadMessages: Int
        /// The most hops to a delivery.
        public var lastDeliveryHop: Int
        /// Seconds from sending to the last delivery.
        public var lastDeliverySeconds: Double

        /// Share of the live nodes that delivered it.
        public var reliability: Double { Double(delivered) / Double(max(1, liveNodes)) }
        /// Relative message redundancy: payload messages per node reached beyond the first, minus one (0 for a
        /// perfect tree).
        public var redundancy: Double {
            delivered > 1 ? Double(payloadMessages) / Double(delivered - 1) - 1 : 0
        }
    }

    /// What a run measured.
    public struct Report: Sendable {
        /// What was run.
        public var configuration: Configuration
        /// Each broadcast, in order.
        public var outcomes: [BroadcastOutcome]
        /// Nodes that failed at once before the broadcasts.
        public var failed: Int
        /// The mean active-view size of the live nodes after the run.
        public var meanActiveView: Double
        /// Active views that are not symmetric (a node lists a neighbour that does not list it) after the run.
        public var asymmetricLinks: Int
        /// Messages simulated (overlay, tree and failure reports).
        public var events: Int
    }

    /// The run's settings.
    public let configuration: Configuration

    /// A simulation of `configuration`.
    public init(configuration: Configuration) {
        self.configuration = configuration
    }

    enum Event {
        case message(Broadcast.BroadcastNode<Int>.Message, from: Int, to: Int)
        case timer(Broadcast.BroadcastNode<Int>.Timer, node: Int)
        case unreachable(Int, by: Int)
        case join(Int, through: Int)
        case broadcast(Int, index: Int)
    }

    /// Runs it.
    public func run() -> Report {
        var engine = Engine(configuration: configuration)
        return engine.run()
    }

    struct Engine {
        let configuration: Configuration
        var nodes: [Broadcast.BroadcastNode<Int>]
        var generators: [SeededRandom]
        var alive: [Bool]
        var scheduler = VirtualScheduler<Event>()
        var rng: SeededRandom
        var events = 0
        /// Per broadcast: when it was sent, who was alive, its deliveries and payload messages.
        var sentAt: [Instant] = []
        var liveAtSend: [Int] = []
        var delivered: [Int] = []
        var payloadMessages: [Int] = []
        var lastHop: [Int] = []
        var lastDelivery: [Instant] = []
        var broadcastIndex: [UInt64: Int] = [:]

        init(configuration: Configuration) {
            self.configuration = configuration
            let prunes = configuration.spreading == .plumtree
            nodes = (0..<configuration.nodes).map {
                Broadcast.BroadcastNode(
                    me: $0, overlay: configuration.overlay, tree: configuration.tree, prunes: prunes)
            }
            generators = (0..<configuration.nodes).map {
                SeededRandom(seed: configuration.seed &* 0x9E37_79B9_7F4A_7C15 &+ UInt64($0))
            }
            alive = Array(repeating: true, count: configuration.nodes)
            rng = SeededRandom(seed: configuration.seed)
        }

        /// The latency of the link between `a` and `b`: fixed per link, drawn from a hash of the pair.
        func latency(_ a: Int, _ b: Int) -> Duration {
            var hash = UInt64(min(a, b)) &* 0x9E37_79B9_7F4A_7C15 ^ UInt64(max(a, b)) &* 0xC2B2_AE3D_27D4_EB4F
            hash ^= hash >> 29
            hash &*= 0x1656_67B1_9E37_79F9
            hash ^= hash >> 32
            let unit = Double(hash % 1_000_000) / 1_000_000
            let range = configuration.latency
            return .nanoseconds(Int64((range.lowerBound + unit * (range.upperBound - range.lowerBound)) * 1e9))
        }

        mutating func run() -> Report {
            let count = configuration.nodes
            var instant = Instant.zero
            for index in 0..<count {
                step(index) { node, generator in node.start(at: instant, using: &generator) }
                if index > 0 {
                    let contact = Int.random(in: 0..<index, using: &rng)
                    scheduler.schedule(.join(index, through: contact), at: instant)
                }
                instant = instant + configuration.joinSpacing
            }
            let settled = instant + configuration.settle
            drain(until: settled)
            // Simultaneous failures.
            let failing = Int((Double(count) * configuration.failureShare).rounded())
            var order = Array(0..<count)
            order.shuffle(using: &rng)
            for index in order.prefix(failing) { alive[index] = false }
            // Their neighbours' connections to them break: each hears of it a round trip later, as TCP tells it.
            for index in order.prefix(failing) {
                for neighbor in nodes[index].overlay.activeView where alive[neighbor] {
                    let delay = latency(index, neighbor)
                    scheduler.schedule(.unreachable(index, by: neighbor), at: settled + delay + delay)
                }
            }
            // Broadcasts from random live nodes.
            let live = order.dropFirst(failing).map { $0 }
            var at = settled
            for index in 0..<configuration.broadcasts {
                let source = live[Int.random(in: 0..<live.count, using: &rng)]
                scheduler.schedule(.broadcast(source, index: index), at: at)
                at = at + configuration.broadcastInterval
            }
            drain(until: at + .seconds(30))
            let outcomes = sentAt.indices.map { index in
                BroadcastOutcome(
                    liveNodes: liveAtSend[index], delivered: delivered[index],
                    payloadMessages: payloadMessages[index], lastDeliveryHop: lastHop[index],
                    lastDeliverySeconds: (lastDelivery[index] - sentAt[index]).secondsValue)
            }
            var asymmetric = 0
            var views = 0
            for index in 0..<count where alive[index] {
                views += nodes[index].overlay.activeView.count
                for neighbor in nodes[index].overlay.activeView
                where alive[neighbor] && !nodes[neighbor].overlay.isNeighbor(index) {
                    asymmetric += 1
                }
            }
            let survivors = alive.filter { $0 }.count
            return Report(
                configuration: configuration, outcomes: outcomes, failed: failing,
                meanActiveView: Double(views) / Double(max(1, survivors)), asymmetricLinks: asymmetric,
                events: events)
        }

        mutating func drain(until limit: Instant) {
            while let event = scheduler.next(notAfter: limit) {
                events += 1
                handle(event)
            }
            scheduler.advance(to: limit)
        }

        mutating func handle(_ event: Event) {
            let now = scheduler.now
            switch event {
            case .join(let node, let contact):
                apply(nodes[node].join(through: contact), of: node)
            case .broadcast(let source, let index):
                guard alive[source] else { return }
                let (id, effects) = nodes[source].broadcast(
                    [UInt8](repeating: UInt8(truncatingIfNeeded: index), count: configuration.payloadBytes),
                    at: now)
                guard let id else { return }
                broadcastIndex[id.sequence << 20 | UInt64(source)] = sentAt.count
                sentAt.append(now)
                liveAtSend.append(alive.filter { $0 }.count)
                delivered.append(0)
                payloadMessages.append(0)
                lastHop.append(0)
                lastDelivery.append(now)
                apply(effects, of: source)
            case .message(let message, let sender, let receiver):
                step(receiver) { node, generator in node.receive(message, from: sender, at: now, using: &generator) }
            case .timer(let timer, let index):
                step(index) { node, generator in node.fire(timer, at: now, using: &generator) }
            case .unreachable(let peer, let index):
                step(index) { node, generator in node.peerFailed(peer, at: now, using: &generator) }
            }
        }

        /// Runs `input` on live node `index` with that node's own generator, and carries out its effects.
        mutating func step(
            _ index: Int,
            _ input: (inout Broadcast.BroadcastNode<Int>, inout SeededRandom) -> [Broadcast.BroadcastNode<Int>.Effect]
        ) {
            guard alive[index] else { return }
            let effects = input(&nodes[index], &generators[index])
            apply(effects, of: index)
        }

        mutating func apply(_ effects: [Broadcast.BroadcastNode<Int>.Effect], of node: Int) {
            let now = scheduler.now
            for effect in effects {
                switch effect {
                case .send(let message, let peer):
                    if case .tree(.gossip(let id, _, _)) = message,
                        let index = broadcastIndex[id.sequence << 20 | UInt64(id.origin)]
                    {
                        payloadMessages[index] += 1
                    }
                    let delay = latency(node, peer)
                    if alive[peer] {
                        scheduler.schedule(.message(message, from: node, to: peer), at: now + delay)
                    } else {
                        // The connection breaks: the sender hears of it a round trip later.
                        scheduler.schedule(.unreachable(peer, by: node), at: now + delay + delay)
                    }
                case .arm(let timer, let instant):
                    scheduler.schedule(.timer(timer, node: node), at: instant)
                case .deliver(let id, let round, _):
                    guard let index = broadcastIndex[id.sequence << 20 | UInt64(id.origin)] else { continue }
                    delivered[index] += 1
                    lastHop[index] = max(lastHop[index], round)
                    lastDelivery[index] = max(lastDelivery[index], now)
                }
            }
        }
    }
}
