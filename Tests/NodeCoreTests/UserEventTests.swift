import GossipCore
import GossipTestKit
import NodeCore
import SWIM
import Serf
import Testing

/// Serf's user events on full node cores in virtual time: every member delivers every event exactly once, under
/// loss, across a healed partition, and after a restart from a snapshot; coalescing keeps the newest of a name.
@Suite("Serf user events in virtual time", .serialized)
struct UserEventTests {
    static func cluster(
        size: Int, loss: Double = 0, seed: UInt64, serf: Serf.Configuration = Serf.Configuration()
    ) -> SimulatedCluster {
        SimulatedCluster(
            size: size,
            network: NetworkConditions(latency: .uniform(.microseconds(200), .milliseconds(2)), lossRate: loss),
            seed: seed, serf: serf)
    }

    /// Sends `count` events named `prefix-0`… from nodes chosen by `seed`, 300 ms apart.
    static func sendEvents(
        _ count: Int, prefix: String, from nodes: Range<Int>, in cluster: SimulatedCluster, seed: UInt64
    ) throws {
        var random = SeededRandom(seed: seed, stream: 99)
        for number in 0..<count {
            let sender = nodes.lowerBound + Int(random.next() % UInt64(nodes.count))
            try cluster.sendUserEvent(node: sender, name: "\(prefix)-\(number)", payload: [UInt8(number)])
            cluster.run(for: .milliseconds(300))
        }
    }

    @Test("100 nodes, 10 % loss: each of 10 events is delivered exactly once on every node, the same way every run")
    func exactlyOnceUnderLoss() async throws {
        @Sendable func run() -> (counts: [Int: [String: Int]], deliveries: [SimulatedCluster.Delivery]) {
            let cluster = Self.cluster(size: 100, loss: 0.1, seed: 21)
            cluster.startAllFormed()
            try? Self.sendEvents(10, prefix: "deploy", from: 0..<100, in: cluster, seed: 21)
            cluster.run(for: .seconds(30))
            return (cluster.deliveryCounts, cluster.deliveries)
        }
        let (first, second) = await onComputeThread { (run(), run()) }
        for node in 0..<100 {
            for number in 0..<10 {
                #expect(first.counts[node]?["deploy-\(number)"] == 1, "node \(node), event \(number)")
            }
        }
        #expect(first.deliveries.count == 1000)
        #expect(second.deliveries == first.deliveries)
    }

    @Test("100 nodes cut 50/50 for 60 s: after healing, every node has delivered every event of both sides once")
    func acrossAHealedPartition() async throws {
        let (apart, healed, counts) = await onComputeThread {
            () -> ([Int: [String: Int]], Bool, [Int: [String: Int]]) in
            let cluster = Self.cluster(size: 100, seed: 5)
            cluster.startAllFormed()
            cluster.run(for: .seconds(2))
            cluster.partition([Array(0..<50), Array(50..<100)])
            try? Self.sendEvents(5, prefix: "west", from: 0..<50, in: cluster, seed: 1)
            try? Self.sendEvents(5, prefix: "east", from: 50..<100, in: cluster, seed: 2)
            cluster.run(for: .seconds(60))
            let apart = cluster.deliveryCounts
            cluster.heal()
            // 100 nodes × 10 events; duplicates, if any, are found below.
            let healed = cluster.run(until: cluster.now + .seconds(240)) { $0.deliveries.count >= 1000 }
            cluster.run(for: .seconds(20))
            return (apart, healed, cluster.deliveryCounts)
        }
        // While apart, each side has only its own events.
        #expect(apart[0]?["east-0"] == nil)
        #expect(apart[99]?["west-0"] == nil)
        #expect(healed)
        let names = (0..<5).flatMap { ["west-\($0)", "east-\($0)"] }
        for node in 0..<100 {
            for name in names { #expect(counts[node]?[name] == 1, "node \(node), \(name)") }
        }
    }

    @Test("a node restarted from its snapshot does not deliver the events it delivered before; without it, it does")
    func restartFromSnapshot() async throws {
        @Sendable func deliveriesAfterRestart(restoringSnapshot: Bool) -> (before: [String: Int], after: [String: Int])
        {
            var serf = Serf.Configuration()
            serf.recordsSnapshot = true
            let cluster = Self.cluster(size: 10, seed: 8, serf: serf)
            cluster.startAllFormed()
            try? Self.sendEvents(5, prefix: "release", from: 0..<10, in: cluster, seed: 3)
            cluster.run(for: .seconds(5))
            let before = cluster.deliveryCounts[4] ?? [:]
            cluster.crash(node: 4)
            cluster.run(for: .seconds(2))
            // Back without being told whom to join: the others' push-pulls bring it their recent events.
            cluster.restart(node: 4, joiningThrough: [], restoringSnapshot: restoringSnapshot)
            cluster.run(for: .seconds(180))
            return (before, cluster.deliveryCounts[4] ?? [:])
        }
        let (restored, forgotten) = await onComputeThread {
            (deliveriesAfterRestart(restoringSnapshot: true), deliveriesAfterRestart(restoringSnapshot: false))
        }
        #expect((0..<5).allSatisfy { restored.before["release-\($0)"] == 1 })
        #expect((0..<5).allSatisfy { restored.after["release-\($0)"] == 1 })
        #expect((0..<5).contains { forgotten.after["release-\($0)"] == 2 })
    }

    @Test("coalescing: of 5 events of one name within the window each node delivers only the newest")
    func coalescing() throws {
        var serf = Serf.Configuration()
        serf.userEventCoalescing = (period: .seconds(3), quiescentPeriod: .seconds(1))
        let cluster = Self.cluster(size: 10, seed: 4, serf: serf)
        cluster.startAllFormed()
        for version in 0..<5 {
            try cluster.sendUserEvent(node: 2, name: "config", payload: [UInt8(version)], coalesce: true)
            try cluster.sendUserEvent(node: 2, name: "deploy-\(version)", payload: [], coalesce: false)
            cluster.run(for: .milliseconds(100))
        }
        cluster.run(for: .seconds(10))
        for node in 0..<10 {
            let config = cluster.deliveries.filter { $0.node == node && $0.event.name == "config" }
            #expect(config.map(\.event.payload) == [[4]], "node \(node)")
            #expect((0..<5).allSatisfy { cluster.deliveryCounts[node]?["deploy-\($0)"] == 1 })
        }
    }

    @Test("members that joined a fresh cluster deliver its first event: a join ignores only events before it")
    func firstEventAfterJoining() throws {
        let cluster = Self.cluster(size: 5, seed: 2)
        cluster.startAll(joiningThrough: 0)
        cluster.run(for: .seconds(5))
        try cluster.sendUserEvent(node: 0, name: "first")
        cluster.run(for: .seconds(5))
        #expect((0..<5).allSatisfy { cluster.deliveryCounts[$0]?["first"] == 1 })
    }

    @Test("an event over Serf's 512-byte limit is refused with a reason")
    func sizeLimit() {
        let cluster = Self.cluster(size: 2, seed: 1)
        cluster.startAllFormed()
        #expect(throws: Serf.CommandError.self) {
            try cluster.sendUserEvent(node: 0, name: "big", payload: Array(repeating: 1, count: 600))
        }
        #expect(cluster.deliveries.isEmpty)
    }
}
