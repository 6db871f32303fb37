import GossipCore
import GossipNIO
import Logging
import Prometheus
import SWIM
import ServiceLifecycle
import Testing

/// The node as a service: metrics kept current, and a graceful shutdown that is a leave.
@Suite("Node service and metrics")
struct NodeServiceTests {
    static let quiet = Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() })

    static func configuration(_ name: String) -> NodeConfiguration {
        var configuration = NodeConfiguration(name: name)
        configuration.bindAddress = NodeAddress(ip: .loopbackV4, port: 0)
        configuration.settings = .local
        configuration.settings.streamTimeout = .seconds(10)  // generous under a loaded test run
        configuration.leavePropagationDelay = .milliseconds(200)
        return configuration
    }

    @Test("the service joins, exports Prometheus metrics, and a graceful shutdown is seen as a leave")
    func serviceLifecycle() async throws {
        let seed = GossipNode(configuration: Self.configuration("seed"), logger: Self.quiet)
        try await seed.start()
        let seedAddress = try #require(await seed.boundAddress)

        let registry = PrometheusCollectorRegistry()
        let node = GossipNode(configuration: Self.configuration("member"), logger: Self.quiet)
        let service = GossipNodeService(
            node: node, seeds: [seedAddress],
            metrics: NodeMetrics(node: "member", factory: PrometheusMetricsFactory(registry: registry)))
        let group = ServiceGroup(
            configuration: ServiceGroupConfiguration(
                services: [.init(service: service, successTerminationBehavior: .gracefullyShutdownGroup)],
                logger: Self.quiet))
        let running = Task { try await group.run() }

        // A scrape brings the metrics up to date.
        let exported = await waitUntil(timeout: 10) { () async -> Bool in
            await node.refreshMetrics()
            return registry.emitToString().contains(#"gossip_members{node="member",state="alive"} 2"#)
        }
        #expect(exported, "\(registry.emitToString())")
        let probed = await waitUntil(timeout: 10) { () async -> Bool in
            await node.refreshMetrics()
            return registry.emitToString().contains(#"gossip_probes_total{node="member"} "#)
        }
        #expect(probed)

        await group.triggerGracefulShutdown()
        try await running.value
        #expect(await node.isRunning == false)
        #expect(await waitUntil(timeout: 5) { await seed.members.first { $0.name == "member" }?.status == .left })
        await seed.shutdown()
    }

    @Test("a service that cannot join any seed fails with the seeds named")
    func joinFailure() async throws {
        let node = GossipNode(configuration: Self.configuration("lonely"), logger: Self.quiet)
        let unreachable = NodeAddress(ip: .loopbackV4, port: try freePort())
        let service = GossipNodeService(node: node, seeds: [unreachable])
        await #expect(throws: GossipNodeService.Failure.self) { try await service.run() }
        #expect(await node.isRunning == false)
    }

    @Test("a listener taken before the node starts hears its first joins; one taken after it stopped ends at once")
    func subscribeBeforeStart() async throws {
        let seed = GossipNode(configuration: Self.configuration("early-seed"), logger: Self.quiet)
        let early = await seed.subscribe()
        try await seed.start()
        let member = GossipNode(configuration: Self.configuration("early-member"), logger: Self.quiet)
        try await member.start()
        #expect(await member.join([try #require(await seed.boundAddress)]) == 1)
        var iterator = early.makeAsyncIterator()
        let first = await iterator.next()
        #expect(first.map { if case .joined(let m) = $0 { m.name == "early-member" } else { false } } == true)
        await member.shutdown()
        await seed.shutdown()
        var late = await seed.subscribe().makeAsyncIterator()
        #expect(await late.next() == nil)
    }
}
