import GossipCore
import GossipNIO
import SWIM
import Testing

/// Serf's layer on a real node: the member list (failed members kept past the protocol's own list, then reaped)
/// and the coalescing of user events.
@Suite("Serf's layer on a real node")
struct SerfLayerNodeTests {
    @Test("Serf's member list keeps a failed member after the protocol forgets it, then reaps it once")
    func failedMembersKeptThenReaped() async throws {
        var configuration = KeyValueNodeTests.configuration("keeper")
        configuration.replication = nil
        configuration.settings.gossipToTheDeadTime = .milliseconds(500)
        configuration.reconnectTimeout = .seconds(20)
        configuration.reapInterval = .milliseconds(250)
        let keeper = GossipNode(configuration: configuration, logger: KeyValueNodeTests.quiet)
        var doomedConfiguration = KeyValueNodeTests.configuration("doomed")
        doomedConfiguration.replication = nil
        let doomed = GossipNode(configuration: doomedConfiguration, logger: KeyValueNodeTests.quiet)
        try await keeper.start()
        try await doomed.start()
        defer { Task { await keeper.shutdown() } }
        let events = await keeper.subscribe()
        #expect(await doomed.join([try #require(await keeper.boundAddress)]) == 1)
        await doomed.shutdown()
        // Marked failed, then forgotten by the protocol, yet still listed as failed. Two members give no
        // confirmations, so the suspicion runs to its maximum (6 × the minimum), and a loaded run stretches the
        // probe interval too: a generous bound, polled. Serf's status is read in the same poll, first: each step
        // (failed, forgotten, reaped) only moves forward, so a poll that finds all three held them at once, and
        // a loaded machine that stretches the poll cannot let the reap land between two checks.
        #expect(
            await waitUntil(timeout: 60) {
                guard await keeper.serfStatus(of: "doomed") == .failed else { return false }
                let forgotten = await keeper.members.allSatisfy { $0.name != "doomed" }
                let listed = await keeper.clusterMembers.first { $0.name == "doomed" }
                return forgotten && listed?.status == .dead
            })
        // Reaped after the reconnect timeout, and reported once.
        #expect(await waitUntil(timeout: 40) { await keeper.clusterMembers.allSatisfy { $0.name != "doomed" } })
        var reaps = 0
        await keeper.shutdown()
        for await event in events { if case .removed(let member) = event, member.name == "doomed" { reaps += 1 } }
        #expect(reaps == 1)
    }

    @Test("coalescable user events: only the newest of a name per window reaches subscribers; others at once")
    func coalescing() async throws {
        var configuration = KeyValueNodeTests.configuration("coalescer")
        // Windows wide enough that a loaded machine sends the three within one (virtual-time tests pin the rules).
        configuration.userEventCoalescing = (.seconds(5), .seconds(2))
        let node = GossipNode(configuration: configuration, logger: KeyValueNodeTests.quiet)
        try await node.start()
        let events = await node.subscribeUserEvents()
        for version in 1...3 {
            try await node.sendUserEvent(name: "deploy", payload: Array("v\(version)".utf8), coalesce: true)
        }
        try await node.sendUserEvent(name: "alarm", payload: [], coalesce: false)
        // Gather until the coalesced event arrives (polled, 20 s bound), then stop the node: its stream ends with
        // whatever else was delivered.
        let delivered = Collected<String>()
        let collecting = Task {
            for await event in events {
                delivered.append("\(event.name) \(String(decoding: event.payload, as: UTF8.self))")
            }
        }
        #expect(await eventually(timeout: 20) { delivered.items.contains { $0.hasPrefix("deploy") } })
        await node.shutdown()
        await collecting.value
        #expect(delivered.items == ["alarm ", "deploy v3"])
    }
}
