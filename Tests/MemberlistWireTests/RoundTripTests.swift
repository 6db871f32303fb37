import GossipCore
import MemberlistWire
import SWIM
import Testing

/// Random messages, drawn from a seeded generator: encode → decode gives them back, and the membership core's
/// size estimate is the exact encoded size.
@Suite("Round trips over random messages")
struct RoundTripTests {
    struct Generator {
        var rng: SeededRandom

        mutating func string(maximum: Int = 40) -> String {
            let alphabet = Array("abcdefghijklmnopqrstuvwxyz0123456789-._é日")
            return String(
                (0..<rng.nextIndex(below: maximum + 1)).map { _ in alphabet[rng.nextIndex(below: alphabet.count)] })
        }
        mutating func bytes(maximum: Int) -> [UInt8] {
            (0..<rng.nextIndex(below: maximum + 1)).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
        }
        mutating func number() -> UInt32 {
            [0, 1, 127, 128, 255, 256, 65535, 65536, UInt32.max, UInt32(truncatingIfNeeded: rng.next())][
                rng.nextIndex(below: 10)]
        }
        mutating func address() -> NodeAddress {
            let ip: IPAddress =
                rng.nextBool(probability: 0.5)
                ? .v4(UInt32(truncatingIfNeeded: rng.next())) : .v6(high: rng.next(), low: rng.next() | 1 << 40)
            return NodeAddress(ip: ip, port: UInt16(truncatingIfNeeded: number()))
        }
        mutating func versions() -> SWIM.ProtocolVersions {
            SWIM.ProtocolVersions(bytes: (0..<6).map { _ in UInt8(truncatingIfNeeded: rng.next()) })!
        }
        mutating func message() -> SWIM.Message {
            switch rng.nextIndex(below: 8) {
            case 0:
                return .ping(
                    SWIM.Ping(
                        target: string(), sequenceNumber: number(),
                        source: rng.nextBool(probability: 0.7) ? address() : nil,
                        sourceNode: string()))
            case 1:
                return .indirectPing(
                    SWIM.IndirectPing(
                        wantsNack: rng.nextBool(probability: 0.5), target: string(), targetAddress: address(),
                        sequenceNumber: number(), source: rng.nextBool(probability: 0.7) ? address() : nil,
                        sourceNode: string()))
            case 2: return .ack(SWIM.Ack(sequenceNumber: number(), payload: bytes(maximum: 200)))
            case 3: return .nack(SWIM.Nack(sequenceNumber: number()))
            case 4: return .suspect(SWIM.Suspect(incarnation: number(), node: string(), from: string()))
            case 5:
                return .alive(
                    SWIM.Alive(
                        incarnation: number(), node: string(maximum: 300), address: address(),
                        metadata: bytes(maximum: 512),
                        protocolVersions: versions()))
            case 6: return .dead(SWIM.Dead(incarnation: number(), node: string(), from: string()))
            default: return .user(bytes(maximum: 300) + [3])
            }
        }
    }

    /// A source address with port 0 is written without its port, so it reads back as port 0 too: equal.
    @Test("5,000 random messages encode, decode to themselves, and match the size estimate")
    func messages() throws {
        var generator = Generator(rng: SeededRandom(seed: 2024))
        let sizing = SWIM.MessagePackSizing()
        for _ in 0..<5000 {
            let message = generator.message()
            let bytes = MemberlistCodec.encode(message)
            #expect(try MemberlistCodec.decode(bytes) == message)
            #expect(sizing.encodedSize(of: message) == bytes.count, "\(message)")
        }
    }

    @Test("random packets survive every layer combination")
    func packets() throws {
        var generator = Generator(rng: SeededRandom(seed: 7))
        var rng = SeededRandom(seed: 8)
        let keyring = try Keyring(primaryKey: Fixtures.newKey)
        for round in 0..<400 {
            let messages = (0..<(1 + generator.rng.nextIndex(below: 12))).map { _ in generator.message() }
            var codec = PacketCodec(keyring: round % 2 == 0 ? keyring : nil)
            codec.compression = round % 3 != 0
            for packet in codec.encode(messages, addChecksum: round % 5 < 3, using: &rng) {
                #expect(try codec.decode(packet).messages == messages)
            }
        }
    }

    @Test("more than 127 messages are split over several packets")
    func splitting() throws {
        var rng = SeededRandom(seed: 1)
        let messages = (0..<300).map { SWIM.Message.nack(SWIM.Nack(sequenceNumber: UInt32($0))) }
        let packets = PacketCodec().encode(messages, addChecksum: false, using: &rng)
        #expect(packets.count == 3)
        #expect(try packets.flatMap { try PacketCodec().decode($0).messages } == messages)
        #expect(throws: WireError.tooManyCompoundParts(count: 128, limit: 127)) {
            try Compound.encode(Array(repeating: [11, 0x80], count: 128))
        }
    }

    @Test("a user message too long for a compound part is sent alone, the others around it still grouped, in order")
    func oversizedPart() throws {
        var rng = SeededRandom(seed: 2)
        var codec = PacketCodec()
        codec.compression = false
        let nacks = (0..<4).map { SWIM.Message.nack(SWIM.Nack(sequenceNumber: UInt32($0))) }
        let long = SWIM.Message.user(Array(repeating: 0x2A, count: 70_000))
        let messages = [nacks[0], long, nacks[1], nacks[2], nacks[3]]
        let packets = codec.encode(messages, addChecksum: true, using: &rng)
        #expect(packets.count == 3)
        #expect(
            packets.map { $0[5] } == [
                MessageType.nack.rawValue, MessageType.user.rawValue, MessageType.compound.rawValue,
            ])
        #expect(try packets.flatMap { try codec.decode($0).messages } == messages)
    }

    @Test("push-pull states of 1,000 members with user state round-trip through the stream codec")
    func pushPull() throws {
        var generator = Generator(rng: SeededRandom(seed: 9))
        var rng = SeededRandom(seed: 10)
        let nodes = (0..<1000).map { index in
            SWIM.NodeState(
                name: "node-\(index)", address: generator.address(), metadata: generator.bytes(maximum: 64),
                incarnation: generator.number(), status: SWIM.Status(rawValue: UInt8(index % 4))!,
                protocolVersions: .serfCompatible)
        }
        let state = SWIM.PushPull(join: false, nodes: nodes, userState: generator.bytes(maximum: 4000))
        for keyring in [nil, try Keyring(primaryKey: Fixtures.oldKey)] {
            let codec = StreamCodec(keyring: keyring)
            let bytes = codec.encode(.pushPull(state), using: &rng)
            #expect(try codec.decode(bytes)?.message == .pushPull(state))
        }
    }

    @Test("MessagePack forms: go-msgpack raw strings versus Serf RPC's str8 and bin")
    func writerStyles() throws {
        var raw = MessagePackWriter(style: .goMsgpackRaw)
        raw.writeString(String(repeating: "x", count: 40))
        raw.writeBytes([1, 2])
        #expect(Array(raw.bytes.prefix(3)) == [0xDA, 0x00, 40])
        #expect(Array(raw.bytes.suffix(3)) == [0xA2, 1, 2])
        var modern = MessagePackWriter(style: .modern)
        modern.writeString(String(repeating: "x", count: 40))
        modern.writeBytes([1, 2])
        #expect(Array(modern.bytes.prefix(2)) == [0xD9, 40])
        #expect(Array(modern.bytes.suffix(4)) == [0xC4, 2, 1, 2])
        for bytes in [raw.bytes, modern.bytes] {
            var reader = MessagePackReader(bytes)
            #expect(try reader.readString() == String(repeating: "x", count: 40))
            #expect(try reader.readBytes() == [1, 2])
            #expect(reader.isAtEnd)
        }
        var numbers = MessagePackWriter()
        for value: Int64 in [0, 127, 128, 7946, 70000, 1 << 40, -1, -33, -200, -40000, -3_000_000_000] {
            numbers.writeSigned(value)
        }
        numbers.writeDouble(1.5)
        #expect(Array(numbers.bytes.prefix(8)) == [0x00, 0x7F, 0xCC, 0x80, 0xCD, 0x1F, 0x0A, 0xCE])
        var reader = MessagePackReader(numbers.bytes)
        for value: Int64 in [0, 127, 128, 7946, 70000, 1 << 40, -1, -33, -200, -40000, -3_000_000_000] {
            #expect(try reader.readSigned() == value)
        }
        #expect(try reader.readDouble() == 1.5)
    }

    @Test("CRC-32 of the standard check string")
    func crc() {
        #expect(CRC32.checksum(Array("123456789".utf8)) == 0xCBF4_3926)
        #expect(CRC32.checksum([]) == 0)
    }
}
