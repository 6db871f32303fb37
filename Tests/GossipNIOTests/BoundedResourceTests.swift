import Foundation
import GossipCore
import GossipNIO
import Logging
import MemberlistWire
import SWIM
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// Hostile input must cost a bounded amount of memory, however much of it arrives.
@Suite("Bounded resources under hostile input", .serialized)
struct BoundedResourceTests {
    static let quiet = Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() })

    static func node(_ name: String) -> GossipNode {
        var configuration = NodeConfiguration(name: name)
        configuration.bindAddress = NodeAddress(ip: .loopbackV4, port: 0)
        configuration.settings = .local
        configuration.replication = ReplicationConfiguration()
        return GossipNode(configuration: configuration, logger: quiet)
    }

    @Test("a thousand datagrams declaring a thousand different lengths leave the drop table the same size")
    func dropReasonsStayBounded() async throws {
        let node = Self.node("drops")
        try await node.start()
        defer { Task { await node.shutdown() } }
        let address = try #require(await node.boundAddress)
        // A ping whose node name declares `length` bytes and carries one: each is refused as cut short, each
        // by a different number of bytes.
        func ping(declaring length: Int) -> [UInt8] {
            [0, 0x82, 0xA5] + Array("SeqNo".utf8) + [0x01, 0xA4] + Array("Node".utf8)
                + [0xDA, UInt8(length >> 8), UInt8(length & 0xFF), 0x78]
        }
        try sendDatagrams((0..<10).map { ping(declaring: 100 + $0) }, to: address)
        #expect(await waitUntil(timeout: 10) { await node.statistics.packetsDropped >= 10 })
        let before = await node.statistics.dropsByReason.count
        var sent = 10
        while sent < 1010 {
            try sendDatagrams((sent..<(sent + 100)).map { ping(declaring: 100 + $0) }, to: address)
            sent += 100
            // Paced, so that the receive queue takes them all and each is decoded.
            _ = await waitUntil(timeout: 5) { await node.statistics.packetsDropped >= sent }
        }
        let statistics = await node.statistics
        #expect(statistics.packetsDropped >= 900, "the crafted datagrams reached the node")
        #expect(statistics.dropsByReason.count == before)
        #expect(statistics.dropsByReason.count <= WireError.Kind.allCases.count)
        #expect(statistics.dropsByReason[.truncated, default: 0] >= 900)
    }
}
