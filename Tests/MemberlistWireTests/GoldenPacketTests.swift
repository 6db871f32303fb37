import GossipCore
import MemberlistWire
import SWIM
import Serf
import Testing

/// Captured Serf 0.9.4 datagrams decode to the expected values and re-encode to the captured bytes.
@Suite("Golden packets from a real Serf cluster")
struct GoldenPacketTests {
    static let node1 = NodeAddress("127.0.0.1:7946")!

    /// The packet re-encoded from its decoded messages without compression, CRC added when the capture had it.
    static func reencode(_ decoded: PacketCodec.DecodedPacket) -> [UInt8] {
        var codec = PacketCodec()
        codec.compression = false
        var rng = SeededRandom(seed: 1)
        return codec.encode(decoded.messages, addChecksum: decoded.hadChecksum, using: &rng)[0]
    }

    @Test("every captured datagram decodes completely", arguments: Fixtures.plainPackets)
    func decodesCompletely(_ payload: Fixtures.Payload) throws {
        let decoded = try PacketCodec().decode(payload.bytes)
        #expect(!decoded.messages.isEmpty)
        #expect(decoded.partErrors.isEmpty)
        #expect(decoded.truncatedParts == 0)
    }

    @Test("every uncompressed captured datagram re-encodes byte for byte", arguments: Fixtures.plainPackets)
    func reencodesExactly(_ payload: Fixtures.Payload) throws {
        let decoded = try PacketCodec().decode(payload.bytes)
        guard !decoded.wasCompressed else { return }
        #expect(Self.reencode(decoded) == payload.bytes)
    }

    @Test(
        "compressed datagrams: our LZW of the inflated packet is Go's LZW byte for byte",
        arguments: [
            "compress", "crc-compress",
        ])
    func compressedExactly(_ kind: String) throws {
        let bytes = Fixtures.packet(kind)
        let decoded = try PacketCodec().decode(bytes)
        #expect(decoded.wasCompressed)
        var codec = PacketCodec()
        codec.compression = true
        var rng = SeededRandom(seed: 1)
        let ours = codec.encode(decoded.messages, addChecksum: decoded.hadChecksum, using: &rng)[0]
        #expect(ours == bytes)
    }

    @Test("the captured ping: 67 bytes, node1 probing node2")
    func ping() throws {
        let bytes = Fixtures.packet("ping")
        #expect(bytes.count == 67)
        let message = try MemberlistCodec.decode(bytes)
        #expect(
            message
                == .ping(SWIM.Ping(target: "node2", sequenceNumber: 2, source: Self.node1, sourceNode: "node1")))
        #expect(SWIM.MessagePackSizing().encodedSize(of: message) == 67)
    }

    @Test("the captured indirect ping and nack")
    func indirectPingAndNack() throws {
        #expect(
            try MemberlistCodec.decode(Fixtures.packet("indirect-ping"))
                == .indirectPing(
                    SWIM.IndirectPing(
                        wantsNack: true, target: "node3", targetAddress: NodeAddress("127.0.0.1:7948")!,
                        sequenceNumber: 17, source: NodeAddress("127.0.0.1:7947")!, sourceNode: "node2")))
        #expect(try MemberlistCodec.decode(Fixtures.packet("nack")) == .nack(SWIM.Nack(sequenceNumber: 19)))
        #expect(Fixtures.packet("nack") == [0x0B, 0x81, 0xA5] + Array("SeqNo".utf8) + [0x13])
    }

    @Test("the captured ack carries Serf's coordinate, which re-encodes exactly")
    func ackWithCoordinate() throws {
        guard case .ack(let ack) = try MemberlistCodec.decode(Fixtures.packet("ack")) else {
            Issue.record("not an ack")
            return
        }
        #expect(ack.sequenceNumber == 2)
        #expect(ack.payload.count == 130)
        let coordinate = try SerfCoordinate(decoding: ack.payload)
        #expect(coordinate.vector.count == 8)
        #expect((1...1.5).contains(coordinate.error))
        #expect(coordinate.encode() == ack.payload)
    }

    @Test("captured state messages: alive with Serf tags, suspect, dead")
    func stateMessages() throws {
        let alive = try PacketCodec().decode(Fixtures.packet("crc-alive"))
        #expect(alive.hadChecksum)
        guard case .alive(let announcement) = alive.messages.first else {
            Issue.record("not an alive")
            return
        }
        #expect(announcement.node == "node4")
        #expect(announcement.address == NodeAddress("127.0.0.1:7949"))
        #expect(announcement.protocolVersions == .serfCompatible)
        #expect(try SerfTags.decode(announcement.metadata) == [:])
        let suspect = try PacketCodec().decode(Fixtures.packet("crc-suspect")).messages
        #expect(suspect == [.suspect(SWIM.Suspect(incarnation: 1, node: "node3", from: "node2"))])
        let dead = try PacketCodec().decode(Fixtures.packet("crc-dead")).messages
        #expect(dead == [.dead(SWIM.Dead(incarnation: 1, node: "node3", from: "node1"))])
    }

    @Test("tags in a captured alive: role=web, dc=test")
    func tags() throws {
        let decoded = try PacketCodec().decode(Fixtures.packet("crc-compound"))
        let node1 = decoded.messages.compactMap { message -> SWIM.Alive? in
            if case .alive(let alive) = message, alive.node == "node1" { alive } else { nil }
        }.first
        #expect(try SerfTags.decode(node1?.metadata ?? []) == ["role": "web", "dc": "test"])
        #expect(try SerfTags.decode(SerfTags.encode(["role": "web", "dc": "test"])) == ["role": "web", "dc": "test"])
        #expect(try SerfTags.decode(Array("db".utf8)) == ["role": "db"])
    }

    @Test(
        "captured Serf messages decode and re-encode byte for byte",
        arguments: [
            "crc-user-serf0", "crc-user-serf1", "crc-user-serf3", "crc-user-serf4", "user-serf5",
        ])
    func serfMessages(_ kind: String) throws {
        let decoded = try PacketCodec().decode(Fixtures.packet(kind))
        guard case .user(let bytes) = decoded.messages.first else {
            Issue.record("not a user message")
            return
        }
        let message = try SerfMessage(decoding: bytes)
        #expect(message.encode() == bytes)
        switch message {
        case .leave(let intent): #expect(intent == SerfMessage.LeaveIntent(lamportTime: 4, node: "node4"))
        case .join(let intent): #expect(intent == SerfMessage.JoinIntent(lamportTime: 1, node: "node2"))
        case .userEvent(let event):
            #expect(
                event
                    == SerfMessage.UserEvent(
                        lamportTime: 1, name: "deploy", payload: Array("v1.2.3".utf8), coalesce: true))
        case .query(let query):
            #expect(query.name == "uptime" && query.payload == Array("hello".utf8) && query.sourceNode == "node2")
            #expect(query.flags == SerfMessage.Query.ackFlag && query.port == 7947 && query.address == [127, 0, 0, 1])
            #expect(query.timeoutNanoseconds == 2_000_000_000)
        case .queryResponse(let response):
            #expect(response.flags == SerfMessage.QueryResponse.ackFlag && response.from == "node2")
            #expect(response.payload.isEmpty)
        default:
            Issue.record("unexpected \(message.type)")
        }
    }
}

@Suite("Serf query filters")
struct SerfQueryFilterTests {
    @Test("node and tag filters round-trip; an unknown filter type is refused")
    func filters() throws {
        for filter: SerfMessage.Query.Filter in [.nodes(["a", "b"]), .tag("role", expression: "web.*"), .nodes([])] {
            #expect(try SerfMessage.Query.Filter(decoding: filter.encode()) == filter)
        }
        #expect(SerfMessage.Query.Filter.nodes(["a"]).encode() == [0, 0x91, 0xA1, 0x61])
        #expect(throws: WireError.self) { try SerfMessage.Query.Filter(decoding: [7, 0x90]) }
    }
}
