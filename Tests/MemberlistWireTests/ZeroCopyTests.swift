import GossipCore
import MemberlistWire
import SWIM
import Testing

/// A decoded alive borrows its metadata from the packet it came in; the membership core copies it only when it
/// keeps it.
@Suite("Decoding without copies")
struct ZeroCopyTests {
    @Test("a decoded alive's metadata lies in its packet; the member list keeps a copy of its own")
    func metadataSharesThePacket() throws {
        var rng = SeededRandom(seed: 1)
        let messages = SampleTraffic.typicalGossipPacket()
        var codec = PacketCodec()
        codec.compression = false
        let packet = codec.encode(messages, addChecksum: true, using: &rng)[0]
        let decoded = try codec.decode(packet)
        #expect(decoded.messages == messages)
        let alives = decoded.messages.compactMap { message -> SWIM.Alive? in
            if case .alive(let alive) = message { alive } else { nil }
        }
        #expect(alives.count == 4)

        let packetStart = packet.withUnsafeBytes { UInt(bitPattern: $0.baseAddress) }
        let inPacket = packetStart..<(packetStart + UInt(packet.count))
        for alive in alives {
            #expect(inPacket.contains(alive.metadata.withUnsafeBytes { UInt(bitPattern: $0.baseAddress) }))
        }

        var instance = SWIM.Instance(name: "local", address: try #require(NodeAddress("10.9.9.9:7946")))
        _ = instance.receive(.alive(alives[0]), from: alives[0].address, at: Instant.zero, using: &rng)
        let member = try #require(instance.member(named: alives[0].node))
        #expect(member.status == SWIM.Status.alive)
        #expect(member.metadata == Array(alives[0].metadata))
        #expect(!inPacket.contains(member.metadata.withUnsafeBytes { UInt(bitPattern: $0.baseAddress) }))
    }

    @Test("decoding into a kept result replaces everything it held: messages, part errors and layer flags")
    func decodeIntoKeptResult() throws {
        var rng = SeededRandom(seed: 2)
        var codec = PacketCodec()
        let messages = SampleTraffic.typicalGossipPacket()
        let compressed = codec.encode(messages, addChecksum: true, using: &rng)[0]
        var kept = PacketCodec.DecodedPacket()
        try codec.decode(compressed, into: &kept)
        #expect(kept == (try codec.decode(compressed)))
        #expect(kept.wasCompressed && kept.hadChecksum && kept.messages == messages)

        // A compound with a part of unknown type: the good part, and the bad part's error.
        let mixed = try Compound.encode([MemberlistCodec.encode(messages[0]), [0x63]])
        try codec.decode(mixed, into: &kept)
        #expect(kept == (try codec.decode(mixed)))
        #expect(kept.messages == [messages[0]] && kept.partErrors == [.unknownMessageType(0x63)])
        #expect(!kept.wasCompressed && !kept.hadChecksum)

        codec.compression = false
        try codec.decode(codec.encode([messages[1]], addChecksum: false, using: &rng)[0], into: &kept)
        #expect(kept.messages == [messages[1]] && kept.partErrors.isEmpty)
    }
}

/// memberlist's own field order is read on a fast path; every other order and form a peer may write falls back to
/// reading the map key by key, with the same result.
@Suite("Field order and key forms")
struct FieldOrderTests {
    /// One field: its name and how to write its value.
    typealias Field = (name: String, write: (inout MessagePackWriter) -> Void)

    /// `type` then a map of `fields` in the order given, keys as fixstr or as str8.
    static func encode(_ type: MessageType, _ fields: [Field], str8Keys: Bool) -> [UInt8] {
        var writer = MessagePackWriter()
        writer.writeRaw(CollectionOfOne(type.rawValue))
        writer.writeMapHeader(fields.count)
        for field in fields {
            if str8Keys {
                writer.writeRaw([0xD9, UInt8(field.name.utf8.count)] + Array(field.name.utf8))
            } else {
                writer.writeString(field.name)
            }
            field.write(&writer)
        }
        return writer.bytes
    }

    /// The message as `fields` in every variation: memberlist's order, reversed, str8 keys, and an unknown field
    /// first and last; each must decode to `message`.
    static func expectEveryVariation(_ message: SWIM.Message, _ type: MessageType, _ fields: [Field]) throws {
        let unknown: Field = ("Zone", { $0.writeString("eu-1") })
        #expect(encode(type, fields, str8Keys: false) == MemberlistCodec.encode(message))
        for variation in [fields, fields.reversed(), [unknown] + fields, fields + [unknown]] {
            for str8Keys in [false, true] {
                #expect(try MemberlistCodec.decode(encode(type, variation, str8Keys: str8Keys)) == message)
            }
        }
    }

    @Test("alive, ping (with and without its source), suspect and dead decode alike in any order and key form")
    func everyOrder() throws {
        let address = try #require(NodeAddress("10.1.2.3:7946"))
        let alive = SWIM.Alive(
            incarnation: 300, node: "a-node-with-a-name-over-15-bytes", address: address, metadata: [0xFF, 0x00, 0x61],
            protocolVersions: .serfCompatible)
        try Self.expectEveryVariation(
            .alive(alive), .alive,
            [
                ("Addr", { $0.writeBytes(address.ip.bytes) }), ("Incarnation", { $0.writeUnsigned(300) }),
                ("Meta", { $0.writeBytes([0xFF, 0x00, 0x61]) }), ("Node", { $0.writeString(alive.node) }),
                ("Port", { $0.writeUnsigned(7946) }), ("Vsn", { $0.writeBytes(alive.protocolVersions.bytes) }),
            ])

        let ping = SWIM.Ping(target: "web-017", sequenceNumber: 70_000, source: address, sourceNode: "web-001")
        try Self.expectEveryVariation(
            .ping(ping), .ping,
            [
                ("Node", { $0.writeString("web-017") }), ("SeqNo", { $0.writeUnsigned(70_000) }),
                ("SourceAddr", { $0.writeBytes(address.ip.bytes) }), ("SourceNode", { $0.writeString("web-001") }),
                ("SourcePort", { $0.writeUnsigned(7946) }),
            ])
        let bare = SWIM.Ping(target: "web-017", sequenceNumber: 9, source: nil, sourceNode: "")
        try Self.expectEveryVariation(
            .ping(bare), .ping, [("Node", { $0.writeString("web-017") }), ("SeqNo", { $0.writeUnsigned(9) })])

        let accusation: [Field] = [
            ("From", { $0.writeString("web-001") }), ("Incarnation", { $0.writeUnsigned(4) }),
            ("Node", { $0.writeString("web-102") }),
        ]
        try Self.expectEveryVariation(
            .suspect(SWIM.Suspect(incarnation: 4, node: "web-102", from: "web-001")), .suspect, accusation)
        try Self.expectEveryVariation(
            .dead(SWIM.Dead(incarnation: 4, node: "web-102", from: "web-001")), .dead, accusation)
    }

    @Test("a message cut inside memberlist's field order is refused, not misread")
    func truncatedOnTheFastPath() {
        let address = NodeAddress(ip: .v4(0x0A01_0203), port: 7946)
        let alive = SWIM.Message.alive(
            SWIM.Alive(
                incarnation: 3, node: "web-100", address: address, metadata: [1, 2, 3],
                protocolVersions: .serfCompatible))
        let bytes = MemberlistCodec.encode(alive)
        for cut in 1..<bytes.count {
            #expect(throws: WireError.self) { try MemberlistCodec.decode(Array(bytes[..<cut])) }
        }
    }
}
