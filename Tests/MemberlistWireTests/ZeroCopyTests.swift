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
}
