import GossipCore
import MemberlistWire
import SWIM
import Serf
import Testing

/// Captured push-pull streams (the joins of a four-node Serf cluster), both directions.
@Suite("Golden streams from a real Serf cluster")
struct GoldenStreamTests {
    @Test("captured push-pulls decode whole and re-encode byte for byte", arguments: Fixtures.plainStreams)
    func pushPull(_ payload: Fixtures.Payload) throws {
        guard let (message, consumed) = try StreamCodec().decode(payload.bytes) else {
            Issue.record("incomplete")
            return
        }
        #expect(consumed == payload.bytes.count)
        guard case .pushPull(let state) = message else {
            Issue.record("not a push-pull")
            return
        }
        #expect(state.join)
        #expect(!state.nodes.isEmpty)
        guard case .pushPull(let serfState) = try SerfMessage(decoding: state.userState) else {
            Issue.record("the user state is not Serf's push-pull")
            return
        }
        #expect(serfState.events.count == 512, "Serf's event ring")
        #expect(try SerfMessage(decoding: SerfMessage.pushPull(serfState).encode()) == .pushPull(serfState))
        // Byte-for-byte, compression included, when the state map has at most one entry (Go's map order is random).
        var rng = SeededRandom(seed: 1)
        if serfState.statusLamportTimes.count <= 1 {
            #expect(StreamCodec().encode(message, using: &rng) == payload.bytes)
        }
    }

    @Test("a push-pull shorter than its stream asks for more bytes, at every cut")
    func incremental() throws {
        let bytes = Fixtures.plainStreams[0].bytes
        for cut in stride(from: 0, to: bytes.count, by: 7) {
            #expect(try StreamCodec().decode(Array(bytes[..<cut])) == nil)
        }
    }

    @Test("the third join's answer lists node3 as dead")
    func deadInState() throws {
        let reply = Fixtures.plainStreams.first { $0.label.hasPrefix("pushpull-reply#1599") }!
        guard case .pushPull(let state)? = try StreamCodec().decode(reply.bytes)?.message else {
            Issue.record("not a push-pull")
            return
        }
        #expect(state.nodes.map(\.name) == ["node1", "node2", "node3"])
        #expect(state.nodes.map(\.status) == [.alive, .alive, .dead])
    }

    @Test("stream ping, ack, user and error messages round-trip, plain and encrypted")
    func otherStreamMessages() throws {
        var rng = SeededRandom(seed: 5)
        let messages: [StreamMessage] = [
            .ping(SWIM.Ping(target: "b", sequenceNumber: 9, source: NodeAddress("10.0.0.1:7946"), sourceNode: "a")),
            .ack(SWIM.Ack(sequenceNumber: 9)), .user(Array(repeating: 7, count: 300)), .error("bad"),
        ]
        for keyring in [nil, try Keyring(primaryKey: Fixtures.newKey)] {
            for compression in [false, true] {
                var codec = StreamCodec(keyring: keyring)
                codec.compression = compression
                for message in messages {
                    let bytes = codec.encode(message, using: &rng)
                    let decoded = try codec.decode(bytes + [1, 2, 3])
                    #expect(decoded?.message == message)
                    #expect(decoded?.consumed == bytes.count)
                }
            }
        }
    }
}
