import Foundation
import GossipCore
import GossipTestKit
import NodeCore
import Replication
import SWIM
import Serf

/// Full node cores (memberlist's membership, Serf's layer and, with writes, the replicated store:
/// `NodeCore.NodeCore`) in virtual time: user events sent from random members under loss and an optional
/// partition, measured the way an operator would ask: did every live member deliver each event, exactly once,
/// and how soon; and with writes, did every replica end up with every write, and when.
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
        /// Key-value writes, made on random members over the first half of the run (every fifth overwrites an
        /// earlier key, so that replicas must agree on which write wins). With none, the store is not run.
        public var writes = 0
        /// The replicated store's configuration, when there are writes. Default: the store's defaults with Merkle
        /// trees of depth 10 (1,024 buckets, 16 KiB per replica instead of 1 MiB), plenty for a simulated run's keys.
        public var store: Replication.Store.Configuration = {
            var store = Replication.Store.Configuration()
            store.treeDepth = 10
            return store
        }()

        /// The broadcast tree every member carries user events and writes on (as `gossip agent --broadcast
        /// plumtree`); `nil` for Serf's gossip. Default: `nil`.
        public var broadcastTree: NodeCore.TreeConfiguration?

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

    /// What the writes came to.
    public struct WriteOutcome: Sendable, Hashable, Codable {
        /// Writes made.
        public var writes: Int
        /// Distinct keys written.
        public var keys: Int
        /// Writes acknowledged (durable on the member that took them).
        public var acknowledged: Int
        /// The share of the members running at the end that hold every key's winning write.
        public var replicasComplete: Double
        /// Whether every running member's replica is the same (the same Merkle root) at the end.
        public var agree: Bool
        /// Seconds from the last write (or the heal, if later) until every running member held every winning
        /// write; `nil` if that never happened in the run.
        public var convergedAfter: Double?
    }

    /// What one run measured.
    public struct Outcome: Sendable, Hashable, Codable {
        /// Every event's fate, in the order sent.
        public var events: [EventOutcome]
        /// The writes' fate, when there were any.
        public var writes: WriteOutcome?
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
    /// `SWIM.Settings.gossipNodes` others per gossip interval, for retransmitMultiplier × ceil(log10(n + 1))
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
            serf: Serf.Configuration(), store: config.writes > 0 ? config.store : nil,
            broadcastTree: config.broadcastTree.map { tree in { _ in tree } })
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
        let writeSpacing = config.duration / (2 * max(config.writes, 1))
        plan += (0..<config.writes).map { (.zero + writeSpacing * $0 + .milliseconds(700), .write($0)) }
        if let partition = config.partition {
            plan += [(.zero + partition.start, .split), (.zero + partition.start + partition.length, .heal)]
        }
        plan.sort { $0.0 < $1.0 }
        let half = Array(0..<(config.nodes / 2))
        var winners: [String: [UInt8]] = [:]
        var writeIDs: [(node: Int, write: UInt64)] = []
        for (instant, action) in plan {
            cluster.run(until: instant)
            switch action {
            case .event(let number):
                let running = cluster.runningNodes
                let sender = running[Int(random.next() % UInt64(running.count))]
                let name = "event-\(number)"
                sentAt[name] = cluster.now
                try? cluster.sendUserEvent(node: sender, name: name, payload: Array(name.utf8))
            case .write(let number):
                let running = cluster.runningNodes
                let writer = running[Int(random.next() % UInt64(running.count))]
                let key = "key-\(number % 5 == 4 ? number - 4 : number)"
                let value = Array("write-\(number)".utf8)
                if let write = try? cluster.put(node: writer, key, value) {
                    winners[key] = value
                    writeIDs.append((writer, write))
                }
            case .split:
                cluster.partition([half])
            case .heal:
                cluster.heal()
            }
        }
        var convergedAt: Instant?
        if config.writes > 0 {
            cluster.run(until: max(cluster.now, Self.settled(plan)))
            while convergedAt == nil {
                if Self.converged(cluster, winners) { convergedAt = cluster.now }
                guard cluster.now < .zero + config.duration else { break }
                cluster.run(until: min(.zero + config.duration, cluster.now + .milliseconds(100)))
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
        var writes: WriteOutcome?
        if config.writes > 0 {
            let acknowledged = writeIDs.filter { entry in
                if case .success? = cluster.acknowledgements[entry.node]?[entry.write] { true } else { false }
            }
            writes = WriteOutcome(
                writes: config.writes, keys: winners.count, acknowledged: acknowledged.count,
                replicasComplete: Double(Self.holdsEveryWrite(cluster, winners)) / Double(max(running.count, 1)),
                agree: cluster.storesAgree, convergedAfter: convergedAt.map { ($0 - Self.settled(plan)).secondsValue })
        }
        return Outcome(
            events: events, writes: writes, packets: cluster.traffic.packetsSent,
            nodeSeconds: Double(config.nodes) * config.duration.secondsValue)
    }

    /// When the last write was made or the partition healed, whichever is later.
    static func settled(_ plan: [(Instant, Action)]) -> Instant {
        plan.filter { action in
            switch action.1 {
            case .write, .heal: true
            case .event, .split: false
            }
        }.map(\.0).max() ?? .zero
    }

    /// Whether every running member holds every winning write: all replicas are the same, and one of them holds
    /// them all (cheap enough to ask every 100 ms of virtual time).
    static func converged(_ cluster: SimulatedCluster, _ winners: [String: [UInt8]]) -> Bool {
        guard cluster.storesAgree, let first = cluster.runningNodes.first, let store = cluster.store(first) else {
            return false
        }
        return winners.allSatisfy { store.value(of: $0.key) == $0.value }
    }

    /// How many running members hold every key's winning value.
    static func holdsEveryWrite(_ cluster: SimulatedCluster, _ winners: [String: [UInt8]]) -> Int {
        cluster.runningNodes.filter { node in
            guard let store = cluster.store(node) else { return false }
            return winners.allSatisfy { store.value(of: $0.key) == $0.value }
        }.count
    }

    enum Action {
        case event(Int)
        case write(Int)
        case split
        case heal
    }
}
