import Foundation
import GossipCore
import GossipTestKit
import NodeCore
import SWIM
import Serf

/// Full node cores (memberlist's membership and Serf's layer, ``NodeCore/NodeCore``) in virtual time: user events
/// sent from random members under loss and an optional partition, measured the way an operator would ask: did
/// every live member deliver each event, exactly once, and how soon.
public struct SerfExperiment: Sendable {
    /// What to run.
    public struct Configuration: Sendable {
        /// Members.
        public var nodes: Int
        /// User events, sent from random members spread over the first half of the run.
        public var events = 20
        /// The protocol settings every member runs (memberlist's LAN profile by default).
        public var settings: SWIM.Settings = .lan
        /// Latency and loss.
        public var network = NetworkConditions()
        /// Virtual time to run, from a formed cluster.
        public var duration: Duration = .seconds(120)
        /// A partition of the cluster into two halves: when it starts and how long it lasts.
        public var partition: (start: Duration, length: Duration)?

        /// A configuration of `nodes` members with the defaults above.
        public init(nodes: Int) {
            self.nodes = nodes
        }
    }

    /// One event's fate.
    public struct EventOutcome: Sendable, Hashable, Codable {
        /// The event's name.
        public var name: String
        /// When it was sent, in seconds from the start.
        public var sentAt: Double
        /// The share of the members running at the end that delivered it.
        public var reached: Double
        /// Deliveries beyond the first on any member (0 is right).
        public var duplicates: Int
        /// Seconds from sending to each member's delivery.
        public var latencies: [Double]
    }

    /// What one run measured.
    public struct Outcome: Sendable, Hashable, Codable {
        /// Every event's fate, in the order sent.
        public var events: [EventOutcome]
        /// Datagrams sent by all members.
        public var packets: Int
        /// Virtual node-seconds simulated (members × seconds).
        public var nodeSeconds: Double
    }

    /// The configuration.
    public let configuration: Configuration

    /// An experiment with `configuration`.
    public init(_ configuration: Configuration) {
        self.configuration = configuration
    }

    /// The spread model's time for an event to reach every member: each member sends it to
    /// ``SWIM/Settings/gossipNodes`` others per gossip interval, for retransmitMultiplier × ceil(log10(n + 1))
    /// sends; push gossip with fanout f needs about log_(1+f)(n) + ln(n) / f rounds to reach everyone.
    public static func modelSeconds(nodes: Int, settings: SWIM.Settings) -> Double {
        let fanout = Double(settings.gossipNodes)
        let n = Double(max(nodes, 2))
        let rounds = (log(n) / log(1 + fanout) + log(n) / fanout).rounded(.up)
        return rounds * settings.gossipInterval.secondsValue
    }

    /// Runs once with `seed`.
    public func run(seed: UInt64) -> Outcome {
        let config = configuration
        let cluster = SimulatedCluster(
            size: config.nodes, settings: config.settings, network: config.network, seed: seed,
            serf: Serf.Configuration())
        cluster.recordsLog = false
        var sentAt: [String: Instant] = [:]
        var latencies: [String: [Double]] = [:]
        var deliveries: [String: [Int: Int]] = [:]
        cluster.onDelivery = { delivery in
            let name = delivery.event.name
            deliveries[name, default: [:]][delivery.node, default: 0] += 1
            if let sent = sentAt[name], deliveries[name]?[delivery.node] == 1 {
                latencies[name, default: []].append((delivery.instant - sent).secondsValue)
            }
        }
        cluster.startAllFormed()
        var random = SeededRandom(seed: seed, stream: UInt64.max - 1)
        let spacing = config.duration / (2 * max(config.events, 1))
        var plan: [(Instant, Action)] = (0..<config.events).map {
            (.zero + spacing * $0 + .milliseconds(500), .event($0))
        }
        if let partition = config.partition {
            plan += [(.zero + partition.start, .split), (.zero + partition.start + partition.length, .heal)]
        }
        plan.sort { $0.0 < $1.0 }
        let half = Array(0..<(config.nodes / 2))
        for (instant, action) in plan {
            cluster.run(until: instant)
            switch action {
            case .event(let number):
                let running = cluster.runningNodes
                let sender = running[Int(random.next() % UInt64(running.count))]
                let name = "event-\(number)"
                sentAt[name] = cluster.now
                try? cluster.sendUserEvent(node: sender, name: name, payload: Array(name.utf8))
            case .split:
                cluster.partition([half])
            case .heal:
                cluster.heal()
            }
        }
        cluster.run(until: .zero + config.duration)
        let running = cluster.runningNodes
        let events = (0..<config.events).map { number -> EventOutcome in
            let name = "event-\(number)"
            let counts = deliveries[name] ?? [:]
            let reached = running.filter { counts[$0] != nil }.count
            return EventOutcome(
                name: name, sentAt: (sentAt[name] ?? .zero).seconds,
                reached: Double(reached) / Double(max(running.count, 1)),
                duplicates: counts.values.reduce(0) { $0 + max(0, $1 - 1) },
                latencies: (latencies[name] ?? []).sorted())
        }
        return Outcome(
            events: events, packets: cluster.traffic.packetsSent,
            nodeSeconds: Double(config.nodes) * config.duration.secondsValue)
    }

    enum Action {
        case event(Int)
        case split
        case heal
    }
}
