import GossipCore
import GossipNIO
import Synchronization
import Testing

/// The broadcast tree on real nodes over 127.0.0.1: twenty swift-gossip nodes with `broadcastTree` deliver a
/// 64 KiB user event (carried over streams, since it fits no datagram) exactly once each.
@Suite("The broadcast tree on real nodes")
struct BroadcastTreeNodeTests {
    /// The user events each node delivered, by node and event name.
    final class DeliveryLog: Sendable {
        private let counts = Mutex<[String: [String: Int]]>([:])

        func record(_ event: String, by node: String) {
            counts.withLock { $0[node, default: [:]][event, default: 0] += 1 }
        }

        func count(of event: String, by node: String) -> Int { counts.withLock { $0[node]?[event] ?? 0 } }
    }

    @Test("20 nodes with --broadcast plumtree: a 64 KiB user event reaches every node exactly once")
    func largeEventReachesEveryone() async throws {
        let names = (0..<20).map { "tree-\($0)" }
        let log = DeliveryLog()
        var started: [GossipNode] = []
        for name in names {
            var configuration = KeyValueNodeTests.configuration(name)
            configuration.replication = nil
            configuration.broadcastTree = BroadcastTreeConfiguration()
            let node = GossipNode(configuration: configuration, logger: KeyValueNodeTests.quiet)
            try await node.start()
            let events = await node.subscribeUserEvents()
            Task { for await event in events { log.record(event.name, by: name) } }
            if let seed = await started.first?.boundAddress { _ = await node.join([seed]) }
            started.append(node)
        }
        let nodes = started
        defer { Task { for node in nodes { await node.shutdown() } } }
        #expect(
            await waitUntil(timeout: 60) {
                for node in nodes where await node.broadcastTreeNeighbors.isEmpty { return false }
                for node in nodes where await node.clusterMembers.count != 20 { return false }
                return true
            }, "every node lists 20 members and has a neighbour on the tree")

        let payload = (0..<(65_536 - 5)).map { UInt8(truncatingIfNeeded: $0 &* 7) }
        try await nodes[7].sendUserEvent(name: "large", payload: payload, coalesce: false)
        let everywhere = waitUntil(timeout: 60) { names.allSatisfy { log.count(of: "large", by: $0) >= 1 } }
        #expect(everywhere, "missing on \(names.filter { log.count(of: "large", by: $0) == 0 })")
        // A second event, once everywhere, shows the first was not delivered again meanwhile.
        try await nodes[13].sendUserEvent(name: "after", payload: Array(payload.prefix(1_000)), coalesce: false)
        #expect(waitUntil(timeout: 60) { names.allSatisfy { log.count(of: "after", by: $0) >= 1 } })
        for name in names { #expect(log.count(of: "large", by: name) == 1, "\(name)") }
        var streams = 0
        for node in nodes { streams += await node.broadcastTreeStatistics?.streamsSent ?? 0 }
        #expect(streams >= 19, "a 64 KiB payload travels over streams")
    }
}
