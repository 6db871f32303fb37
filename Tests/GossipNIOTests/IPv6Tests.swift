import GossipCore
import GossipNIO
import Logging
import SWIM
import Testing

/// Nodes on the IPv6 loopback address (when the machine has one).
@Suite("IPv6")
struct IPv6Tests {
    @Test("two nodes on [::1] join, see each other alive, and one leaves")
    func ipv6Loopback() async throws {
        let quiet = Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() })
        func node(_ name: String) -> GossipNode {
            var configuration = NodeConfiguration(name: name)
            configuration.bindAddress = NodeAddress("[::1]:0")!
            configuration.settings = .local
            configuration.settings.streamTimeout = .seconds(10)  // generous under a loaded test run
            configuration.leavePropagationDelay = .milliseconds(100)
            return GossipNode(configuration: configuration, logger: quiet)
        }
        let first = node("v6-a")
        do {
            try await first.start()
        } catch {
            print("skipped: no IPv6 loopback here (\(error))")
            return
        }
        let second = node("v6-b")
        try await second.start()
        let address = try #require(await first.boundAddress)
        #expect(address.description.hasPrefix("[::1]:"))
        #expect(await second.join([address]) == 1)
        #expect(await waitUntil(timeout: 5) { await first.members.filter { $0.status == .alive }.count == 2 })
        #expect(await second.members.first { $0.name == "v6-a" }?.address == address)
        await second.leave()
        #expect(await waitUntil(timeout: 5) { await first.members.first { $0.name == "v6-b" }?.status == .left })
        await first.shutdown()
    }
}
