import Foundation
import GossipCore
import GossipNIO
import GossipTestKit
import Logging
import MemberlistWire
import SWIM
import Serf
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

    /// A started node with its control endpoint on a free loopback port.
    static func nodeWithControlEndpoint(_ name: String) async throws -> (GossipNode, NodeAddress) {
        let node = Self.node(name)
        try await node.start()
        return (node, try await node.startRPC(on: NodeAddress(ip: .loopbackV4, port: 0)))
    }

    /// Serf's RPC handshake, as the first bytes of a connection.
    static func handshake() -> MessagePackWriter {
        var writer = MessagePackWriter(style: .modern)
        writer.write(.map([(.string("Command"), .string("handshake")), (.string("Seq"), .uint(1))]))
        writer.write(.map([(.string("Version"), .uint(1))]))
        return writer
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
            try sendDatagrams((sent..<(sent + 20)).map { ping(declaring: 100 + $0) }, to: address)
            sent += 20
            // Paced, so that the socket's buffer takes them and each is decoded (a loaded machine may still
            // overflow it now and then: UDP, so the bound below asks for most of them, not all).
            _ = await waitUntil(timeout: 5) { await node.statistics.packetsDropped >= sent }
        }
        let statistics = await node.statistics
        #expect(statistics.packetsDropped >= 500, "the crafted datagrams reached the node")
        #expect(statistics.dropsByReason.count == before)
        #expect(statistics.dropsByReason.count <= WireError.Kind.allCases.count)
        #expect(statistics.dropsByReason[.truncated, default: 0] == statistics.packetsDropped)
    }

    @Test("watchers that never read hold at most the outbox's bound; their records are dropped and counted")
    func stalledWatchersStayBounded() async throws {
        let name = "watched"
        let (node, rpc) = try await Self.nodeWithControlEndpoint(name)
        defer { Task { await node.shutdown() } }
        var writer = Self.handshake()
        writer.write(.map([(.string("Command"), .string("kv-watch")), (.string("Seq"), .uint(2))]))
        writer.write(.map([(.string("Prefix"), .string(""))]))
        let stalled = try (0..<10).map { _ in try openStream(to: rpc, sending: writer.bytes) }
        defer { for descriptor in stalled { close(descriptor) } }
        let value = [UInt8](repeating: 0x5A, count: 16 * 1024)
        // Written until the watchers' records have been dropped a thousand times (their connections open and take
        // a few MB in socket buffers first), and at most 80 MB.
        for index in 0..<5000 {
            try await node.put("k\(index % 100)", value)
            if index % 100 == 99, node.feedStatistics.dropped >= 1000 { break }
        }
        let bound = (256 << 10) + 64 * 1024
        #expect(await waitUntil(timeout: 20) { () async -> Bool in node.feedStatistics.dropped > 0 })
        #expect(node.feedStatistics.peakPendingBytes <= bound)
        #expect(node.feedStatistics.dropped >= 10 * 100, "\(node.feedStatistics.dropped) dropped")
        // The node still answers the control endpoint.
        let client = try SerfRPCClient(address: rpc.description)
        #expect(try client.members().count == 1)
    }
}

extension BoundedResourceTests {
    @Test("a control request over the 1 MiB limit is answered with an error that names the limit, then closed")
    func oversizedRequest() async throws {
        let name = "oversized"
        let (node, rpc) = try await Self.nodeWithControlEndpoint(name)
        defer { Task { await node.shutdown() } }
        // A first request whose header's only value declares 2 MiB of binary: it never completes, so it is
        // buffered until the limit (which is checked before anything else, the handshake included).
        let request =
            [0x81, 0xA7] + Array("Command".utf8) + [0xC6, 0x00, 0x20, 0x00, 0x00]
            + [UInt8](repeating: 0x41, count: (1 << 20) + 4096)
        let descriptor = try openStream(to: rpc, sending: [])
        defer { close(descriptor) }
        let answer = await onDedicatedThread { () -> [UInt8] in
            var wait = timeval(tv_sec: 10, tv_usec: 0)
            setsockopt(descriptor, SOL_SOCKET, SO_RCVTIMEO, &wait, socklen_t(MemoryLayout<timeval>.size))
            var sent = 0
            while sent < request.count {
                let count = request[sent...].withUnsafeBytes { send(descriptor, $0.baseAddress, $0.count, 0) }
                guard count > 0 else { break }
                sent += count
            }
            var received: [UInt8] = []
            var chunk = [UInt8](repeating: 0, count: 4096)
            while true {
                let count = chunk.withUnsafeMutableBytes { recv(descriptor, $0.baseAddress, $0.count, 0) }
                guard count > 0 else { break }
                received += chunk[..<count]
            }
            return received
        }
        var reader = MessagePackReader(answer)
        let refusal = try reader.readValue()
        let error = try #require(refusal["Error"]?.stringValue)
        #expect(error.contains("over the limit of 1048576 bytes"), "\(error)")
    }
}

extension BoundedResourceTests {
    @Test("streams past 128 open at once are refused and counted; once they close, a join is answered again")
    func concurrentStreamsCapped() async throws {
        let node = Self.node("capped")
        try await node.start()
        defer { Task { await node.shutdown() } }
        let address = try #require(await node.boundAddress)
        // 160 connections that send nothing hold their slots until they close.
        let stalled = try (0..<160).map { _ in try openStream(to: address, sending: []) }
        let refused = await waitUntil(timeout: 10) { () async -> Bool in node.inboundStreamRefusals.busy >= 32 }
        #expect(refused, "\(node.inboundStreamRefusals)")
        #expect(node.inboundStreamRefusals.busy <= 32 + 8)
        for descriptor in stalled { close(descriptor) }
        let peer = Self.node("capped-peer")
        try await peer.start()
        defer { Task { await peer.shutdown() } }
        #expect(await waitUntil(timeout: 10) { await peer.join([address]) == 1 })
    }
}

extension BoundedResourceTests {
    @Test("a send the system refuses is counted and the UDP socket keeps working (SwiftNIO would close it)")
    func refusedSendKeepsTheSocket() async throws {
        let node = Self.node("refused-sends")
        try await node.start()
        defer { Task { await node.shutdown() } }
        let address = try #require(await node.boundAddress)
        // A member at the broadcast address: every datagram to it is refused by the kernel (EACCES without
        // SO_BROADCAST), as a firewall rule dropping a peer's packets refuses them with EPERM.
        let ghost = SWIM.Alive(
            incarnation: 1, node: "ghost", address: NodeAddress(ip: .v4(0xFFFF_FFFF), port: 7946), metadata: [],
            protocolVersions: .serfCompatible)
        try sendDatagrams([MemberlistCodec.encode(.alive(ghost))], to: address)
        #expect(await waitUntil(timeout: 20) { await node.datagramSendErrors > 0 })
        // The socket still answers a ping.
        let ping = SWIM.Ping(target: "refused-sends", sequenceNumber: 77, source: nil, sourceNode: "stranger")
        let answer = await onDedicatedThread { try? udpExchange(MemberlistCodec.encode(.ping(ping)), with: address) }
        let reply = try #require(answer ?? nil, "no answer to a ping after a refused send")
        // The ack carries the node's network coordinate, as a serf agent's does.
        guard case .ack(let ack)? = try PacketCodec().decode(reply).messages.first else {
            Issue.record("the answer is not an ack")
            return
        }
        #expect(ack.sequenceNumber == 77)
        #expect((try? SerfCoordinate(decoding: ack.payload)) != nil)
    }
}
