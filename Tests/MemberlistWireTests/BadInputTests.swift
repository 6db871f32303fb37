import GossipCore
import MemberlistWire
import SWIM
import Serf
import Testing

/// Malformed input gets a typed error, never a crash, a hang or an unbounded allocation.
@Suite("Bad wire input")
struct BadWireInputTests {
    @Test("every truncation of every captured packet is refused or decoded, never trapped on")
    func truncations() {
        for payload in Fixtures.plainPackets + Array(Fixtures.encryptedPackets.prefix(10)) {
            for cut in 0..<payload.bytes.count {
                _ = try? PacketCodec().decode(Array(payload.bytes[..<cut]))
            }
        }
    }

    @Test("random corruption of captured packets never traps")
    func corruption() {
        var rng = SeededRandom(seed: 99)
        for _ in 0..<3000 {
            var bytes = Fixtures.plainPackets[rng.nextIndex(below: Fixtures.plainPackets.count)].bytes
            for _ in 0..<(1 + rng.nextIndex(below: 4)) {
                bytes[rng.nextIndex(below: bytes.count)] = UInt8(truncatingIfNeeded: rng.next())
            }
            _ = try? PacketCodec().decode(bytes)
            _ = try? StreamCodec().decode(bytes)
            if bytes.count > 1 { _ = try? SerfMessage(decoding: Array(bytes.dropFirst())) }
        }
    }

    @Test("an empty datagram and an empty compound part are refused")
    func empty() throws {
        #expect(throws: WireError.emptyMessage) { try PacketCodec().decode([]) }
        let compound: [UInt8] = [7, 2, 0, 0, 0, 9] + Fixtures.packet("nack")
        let decoded = try PacketCodec().decode(compound)
        #expect(decoded.messages == [.nack(SWIM.Nack(sequenceNumber: 19))])
        #expect(decoded.partErrors == [.emptyMessage])
    }

    @Test("a bad CRC, an unknown type and a wrong-length Vsn name the problem")
    func namedErrors() throws {
        var bytes = Fixtures.packet("crc-dead")
        bytes[bytes.count - 1] ^= 0x20
        #expect(throws: WireError.self) { try PacketCodec().decode(bytes) }
        do {
            _ = try PacketCodec().decode(bytes)
        } catch {
            guard case .checksumMismatch = error else {
                Issue.record("expected a checksum mismatch, got \(error)")
                return
            }
        }
        #expect(throws: WireError.unknownMessageType(200)) { try PacketCodec().decode([200, 1, 2]) }
        var alive = Fixtures.packet("crc-alive")
        alive.removeFirst(5)
        let vsn = alive.count - 7
        alive[vsn] = 0xA5  // claim 5 bytes
        alive.removeLast()
        #expect(throws: WireError.invalidField(name: "Vsn", reason: "the version vector is 6 bytes, not 5")) {
            try PacketCodec().decode(alive)
        }
    }

    @Test("metadata over 512 bytes is refused with the limit named")
    func metadataLimit() {
        let alive = SWIM.Alive(
            incarnation: 1, node: "n", address: NodeAddress("127.0.0.1:1")!, metadata: Array(repeating: 1, count: 600),
            protocolVersions: .serfCompatible)
        #expect(throws: WireError.metadataTooLarge(size: 600, limit: 512)) {
            try MemberlistCodec.decode(MemberlistCodec.encode(.alive(alive)))
        }
        #expect(throws: WireError.metadataTooLarge(size: 604, limit: 512)) {
            try SerfTags.encode(["k": String(repeating: "v", count: 597)])
        }
    }

    @Test("a 4 GiB length field is refused without allocating it")
    func hugeLengths() {
        // A ping whose Node claims 4 GiB.
        let ping: [UInt8] = [0, 0x81, 0xA4] + Array("Node".utf8) + [0xDB, 0xFF, 0xFF, 0xFF, 0xFF, 0x61]
        #expect(throws: WireError.self) { try PacketCodec().decode(ping) }
        // An encrypted stream that claims 4 GiB.
        let keyring = try! Keyring(primaryKey: Fixtures.newKey)
        #expect(throws: WireError.streamTooLarge(size: 0xFFFF_FFFF, limit: 20 << 20)) {
            try StreamCodec(keyring: keyring).decode([10, 0xFF, 0xFF, 0xFF, 0xFF, 1])
        }
        // A push-pull header that claims 4 billion members.
        var writer = MessagePackWriter()
        writer.writeRaw([6])
        writer.writeMapHeader(3)
        writer.writeKey("Join")
        writer.writeBool(false)
        writer.writeKey("Nodes")
        writer.writeUnsigned(4_000_000_000)
        writer.writeKey("UserStateLen")
        writer.writeUnsigned(0)
        #expect(throws: WireError.self) { try StreamCodec().decode(writer.bytes) }
        // A user stream message that claims 4 GiB.
        #expect(throws: WireError.self) {
            try StreamCodec().decode([8, 0x81, 0xAA] + Array("UserMsgLen".utf8) + [0xCE, 0xFF, 0xFF, 0xFF, 0xFF])
        }
    }

    @Test("an LZW bomb is refused at the inflate limit")
    func lzwBomb() throws {
        let bomb = LZW.compress(Array(repeating: 0, count: 3 << 20))
        #expect(bomb.count < 40_000)
        #expect(throws: WireError.decompressedTooLarge(limit: 1 << 20)) { try LZW.decompress(bomb, limit: 1 << 20) }
        let packet = PacketCodec.compressMessage(Array(repeating: 0, count: 3 << 20))
        #expect(throws: WireError.decompressedTooLarge(limit: 1 << 20)) { try PacketCodec().decode(packet) }
        #expect(throws: WireError.corruptCompressedData("no end-of-data code")) {
            try LZW.decompress(bomb.dropLast(4), limit: 10 << 20)
        }
        #expect(throws: WireError.self) { try LZW.decompress([0xFF, 0xFF, 0xFF], limit: 100) }
    }

    @Test("deeply nested compress layers stop at the nesting limit")
    func nesting() {
        var bytes = Fixtures.packet("nack")
        for _ in 0..<6 { bytes = PacketCodec.compressMessage(bytes) }
        #expect(throws: WireError.nestingTooDeep(limit: 4)) { try PacketCodec().decode(bytes) }
        var deep: [UInt8] = Array(repeating: 0x91, count: 100) + [0]
        deep.insert(0x81, at: 0)
        var reader = MessagePackReader([0x81, 0xA1, 0x61] + deep)
        #expect(throws: WireError.nestingTooDeep(limit: 32)) { try reader.skipValue() }
    }
}
