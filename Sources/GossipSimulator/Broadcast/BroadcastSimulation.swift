import Broadcast
import Foundation
import GossipCore
import GossipTestKit

/// Broadcast over an overlay in continuous virtual time: `n` nodes run `Broadcast.BroadcastNode` (Plumtree, or
/// flooding, on HyParView or on a fixed graph) or plain gossip; every message takes its link's latency and may be
/// lost, and a node learns that a neighbour failed, or that a peer it sends to is gone, one round trip later (as a
/// broken connection tells it). The overlay is built by joins through random earlier nodes and settled by
/// shuffles; then a share of the nodes may fail at once, and broadcasts are sent one after another from random
/// live nodes while nodes may come and go (churn). Each broadcast is measured: reliability (share of correct nodes
/// delivering), RMR (payload messages / (nodes reached − 1) − 1), last delivery hop and latency; the overlay's
/// recovery after the failures is sampled every second.
public struct BroadcastSimulation: Sendable {
    /// How broadcasts travel.
    public enum Spreading: String, Sendable, CaseIterable {
        /// Plumtree's eager tree with lazy announcements and grafts.
        case plumtree
        /// Every node sends every new payload to all its overlay neighbours.
        case flood
        /// Every node sends a new payload once to ``Configuration/fanout`` neighbours chosen at random (push
        /// gossip, "infect and die"; on the complete overlay, to random members).
        case gossip
    }

    /// The graph the broadcasts travel on.
    public enum Topology: Sendable, Hashable, CustomStringConvertible {
        /// HyParView's active views, built by joins and kept by shuffles and repairs.
        case hyparview
        /// A fixed random graph of about `degree` neighbours each (the union of `degree / 2` random cycles
        /// through every node, repeated edges dropped), never repaired.
        case regular(degree: Int)
        /// Every node is every other's neighbour.
        case complete

        /// `hyparview`, `regular:D` (D even, at least 2) or `complete`; `nil` for anything else.
        public init?(_ text: String) {
            switch text {
            case "hyparview": self = .hyparview
            case "complete": self = .complete
            default:
                guard text.hasPrefix("regular:"), let degree = Int(text.dropFirst("regular:".count)),
                    degree >= 2, degree % 2 == 0
                else { return nil }
                self = .regular(degree: degree)
            }
        }

        /// The spelling ``init(_:)`` reads.
        public var description: String {
            switch self {
            case .hyparview: "hyparview"
            case .regular(let degree): "regular:\(degree)"
            case .complete: "complete"
            }
        }
    }

    /// What to run.
    public struct Configuration: Sendable {
        /// Nodes at the start. Default: 1,000.
        public var nodes = 1_000
        /// How broadcasts travel. Default: Plumtree.
        public var spreading = Spreading.plumtree
        /// The graph. Default: HyParView.
        public var topology = Topology.hyparview
        /// The overlay's sizes and walk lengths. Default: the paper's.
        public var overlay = Broadcast.HyParView<Int>.Configuration()
        /// The tree's timeouts. Default: Plumtree's defaults.
        public var tree = Broadcast.Plumtree<Int>.Configuration()
        /// Gossip's fanout; `nil` for ⌈ln n⌉ + 1. Default: `nil`.
        public var fanout: Int?
        /// Time between two joins while the overlay is built; `nil` for 5 ms, or less at large sizes so that
        /// every join fits in 50 s (0.5 ms at 100,000 nodes: the overlay is then built in 50 virtual seconds of
        /// joins and shuffles instead of 500). Default: `nil`.
        public var joinSpacing: Duration?
        /// How long the overlay settles (shuffles) after the last join. Default: 60 s.
        public var settle: Duration = .seconds(60)
        /// Share of the nodes that fail at once after settling (0 for a stable run). Default: 0.
        public var failureShare = 0.0
        /// Share of the messages lost, each on its own (a lost payload or announcement is repaired only by the
        /// protocol itself). Default: 0.
        public var loss = 0.0
        /// Share of the live nodes replaced each second while the broadcasts are sent: that many crash and as
        /// many new nodes join through random live ones (HyParView only). Default: 0.
        public var churn = 0.0
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

        /// The time between two joins this run uses: ``joinSpacing``, or its default.
        public var effectiveJoinSpacing: Duration {
            joinSpacing ?? min(.milliseconds(5), .seconds(50) / max(1, nodes))
        }

        /// The fanout gossip uses at `nodes` nodes.
        public var gossipFanout: Int { fanout ?? Int(log(Double(max(nodes, 2))).rounded(.up)) + 1 }
    }

    /// One broadcast's measurements.
    public struct BroadcastOutcome: Sendable, Hashable {
        /// Correct nodes for it: joined before it was sent and alive at the end of the run.
        public var liveNodes: Int
        /// Correct nodes that delivered it.
        public var delivered: Int
        /// Nodes that delivered it, the ones that crashed later included.
        public var reached: Int
        /// Payload messages sent for it.
        public var payloadMessages: Int
        /// The most hops to a delivery.
        public var lastDeliveryHop: Int
        /// Seconds from sending to the last delivery.
        public var lastDeliverySeconds: Double

        /// Share of the correct nodes that delivered it.
        public var reliability: Double { Double(delivered) / Double(max(1, liveNodes)) }
        /// Relative message redundancy: payload messages per node reached beyond the first, minus one (0 for a
        /// perfect tree).
        public var redundancy: Double {
            reached > 1 ? Double(payloadMessages) / Double(reached - 1) - 1 : 0
        }
    }

    /// The overlay among the live nodes at one moment.
    public struct OverlaySample: Sendable, Hashable {
        /// Seconds since the simultaneous failures (0: the moment they happen).
        public var seconds: Double
        /// Live nodes.
        public var liveNodes: Int
        /// Their mean count of live neighbours.
        public var meanNeighbors: Double
        /// The share of them in the largest connected part of the overlay (1: nobody cut off).
        public var connectedShare: Double
    }

    /// What a run measured.
    public struct Report: Sendable {
        /// What was run.
        public var configuration: Configuration
        /// Each broadcast, in order.
        public var outcomes: [BroadcastOutcome]
        /// Nodes that failed at once before the broadcasts.
        public var failed: Int
        /// Nodes that crashed, and as many that joined, by churn.
        public var churned: Int
        /// The mean active-view size of the live nodes after the run.
        public var meanActiveView: Double
        /// Active views that are not symmetric (a node lists a neighbour that does not list it) after the run.
        public var asymmetricLinks: Int
        /// The overlay every second from the failures to the end of the broadcasts.
        public var recovery: [OverlaySample]
        /// Messages simulated (overlay, tree and failure reports).
        public var events: Int
    }

    /// The run's settings.
    public let configuration: Configuration

    /// A simulation of `configuration`.
    public init(configuration: Configuration) {
        self.configuration = configuration
    }

    /// Why `configuration` cannot run, or `nil` when it can.
    public static func problem(with configuration: Configuration) -> String? {
        if configuration.nodes < 2 { return "at least 2 nodes are needed" }
        if !(0..<1).contains(configuration.loss) { return "the loss must lie in [0, 1)" }
        if !(0..<1).contains(configuration.churn) { return "the churn must lie in [0, 1)" }
        if configuration.churn > 0, configuration.topology != .hyparview {
            return "churn needs the hyparview overlay (new nodes join through it)"
        }
        if case .regular(let degree) = configuration.topology, degree >= configuration.nodes {
            return "a regular overlay needs more nodes than its degree"
        }
        if configuration.topology == .complete, configuration.spreading != .gossip, configuration.nodes > 2_000 {
            return "plumtree and flood on the complete overlay are limited to 2,000 nodes (n² links)"
        }
        if let fanout = configuration.fanout, fanout < 1 { return "the fanout must be at least 1" }
        return nil
    }

    /// Runs it.
    public func run() -> Report {
        var engine = Engine(configuration: configuration)
        return engine.run()
    }
}
