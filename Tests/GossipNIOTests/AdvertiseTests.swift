import GossipCore
import GossipNIO
import Logging
import SWIM
import Testing

/// A node that binds one address and advertises another (NAT, containers).
@Suite("Advertise address")
struct AdvertiseTests {
    @Test("peers record and use the advertised address, not the bound one")
    func advertisedAddress() async throws {
        let quiet = Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() })
        var seedConfiguration = NodeConfiguration(name: "seed")
        seedConfiguration.bindAddress = NodeAddress(ip: .loopbackV4, port: 0)
        seedConfiguration.settings = .local
        seedConfiguration.settings.streamTimeout = .seconds(10)  // generous under a loaded test run
        let seed = GossipNode(configuration: seedConfiguration, logger: quiet)
        try await seed.start()
        defer { Task { await seed.shutdown() } }

        // Bound on every address, advertised as 127.0.0.2, which reaches it on Linux's 127.0.0.0/8 loopback.
        let port = try freePort()
        var configuration = NodeConfiguration(name: "behind-nat")
        configuration.bindAddress = NodeAddress(ip: .v4(0), port: port)
        configuration.advertiseAddress = NodeAddress("127.0.0.2:\(port)")
        configuration.settings = .local
        configuration.settings.streamTimeout = .seconds(10)  // generous under a loaded test run
        let node = GossipNode(configuration: configuration, logger: quiet)
        try await node.start()
        defer { Task { await node.shutdown() } }

        let seedAddress = try #require(await seed.boundAddress)
        // A join is one push-pull; a test run that loads both cores may let one time out, so up to three tries.
        var answered = 0
        for _ in 0..<3 where answered == 0 { answered = await node.join([seedAddress]) }
        #expect(answered == 1)
        let recorded = await seed.members.first { $0.name == "behind-nat" }?.address
        #expect(recorded == NodeAddress("127.0.0.2:\(port)"))
        // The seed's probes reach it at the advertised address: it stays alive through several probe rounds, and
        // probes succeed (at a wrong address every one would fail, there being no one else to ask). Polled with a
        // bound: a loaded run stretches the probe interval (Lifeguard's health score), never the outcome.
        #expect(await waitUntil(timeout: 30) { await seed.protocolStatistics.probes >= 3 })
        #expect(await seed.members.first { $0.name == "behind-nat" }?.status == .alive)
        let statistics = await seed.protocolStatistics
        #expect(statistics.failedProbes < statistics.probes)
    }
}

@Suite("Seed addresses")
struct SeedAddressTests {
    @Test("seeds are literal addresses, bare IPs on port 7946, or names resolved by the system resolver")
    func resolving() {
        #expect(NodeAddress(resolving: "10.0.0.1:8000") == NodeAddress("10.0.0.1:8000"))
        #expect(NodeAddress(resolving: "10.0.0.1") == NodeAddress("10.0.0.1:7946"))
        #expect(NodeAddress(resolving: "[::1]:9") == NodeAddress("[::1]:9"))
        let local = NodeAddress(resolving: "localhost:7001")
        #expect(local?.port == 7001)
        #expect(local.map { $0.ip == .loopbackV4 || $0.ip.description == "::1" } == true)
        #expect(NodeAddress(resolving: "localhost")?.port == 7946)
        #expect(NodeAddress(resolving: "") == nil)
    }
}
