import Benchmark
import GossipCore
import MemberlistWire
import SWIM

/// A typical gossip packet: a ping plus six alive and suspect broadcasts, about 1,000 bytes once encoded.
func typicalPacket() -> [SWIM.Message] {
    let metadata: [UInt8] =
        [0xFF, 0x82, 0xA4] + Array("role".utf8) + [0xA3] + Array("web".utf8) + [0xA2]
        + Array("dc".utf8) + [0xA6] + Array("eu-1-a".utf8)
    var messages: [SWIM.Message] = [
        .ping(
            SWIM.Ping(
                target: "web-017", sequenceNumber: 4242, source: NodeAddress("10.1.2.3:7946"), sourceNode: "web-001"))
    ]
    for index in 0..<6 {
        let name = "web-\(100 + index)"
        let address = NodeAddress(ip: .v4(0x0A01_0200 + UInt32(index)), port: 7946)
        if index % 3 == 2 {
            messages.append(.suspect(SWIM.Suspect(incarnation: UInt32(index), node: name, from: "web-001")))
        } else {
            messages.append(
                .alive(
                    SWIM.Alive(
                        incarnation: UInt32(7 + index), node: name, address: address,
                        metadata: metadata + Array(repeating: 0x61, count: 90), protocolVersions: .serfCompatible)))
        }
    }
    return messages
}

func members(_ count: Int) -> SWIM.PushPull {
    SWIM.PushPull(
        join: false,
        nodes: (0..<count).map { index in
            SWIM.NodeState(
                name: "node-\(index)", address: NodeAddress(ip: .v4(0x0A00_0000 + UInt32(index)), port: 7946),
                metadata: [0xFF, 0x81, 0xA4, 0x72, 0x6F, 0x6C, 0x65, 0xA3, 0x77, 0x65, 0x62],
                incarnation: UInt32(index),
                status: .alive, protocolVersions: .serfCompatible)
        }, userState: Array(repeating: 0, count: 600))
}

let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(
        metrics: [.throughput, .wallClock, .mallocCountTotal, .instructions], maxDuration: .seconds(2))

    let messages = typicalPacket()
    var rng = SeededRandom(seed: 1)
    var plainCodec = PacketCodec()
    plainCodec.compression = false
    let plain = plainCodec.encode(messages, addChecksum: true, using: &rng)[0]
    let keyring = try! Keyring(primaryKey: Array(repeating: 7, count: 32))
    var encryptedCodec = PacketCodec(keyring: keyring)
    encryptedCodec.compression = false
    let encrypted = encryptedCodec.encode(messages, addChecksum: true, using: &rng)[0]
    let lzwInput = Array(plain.prefix(1400))
    let compressed = LZW.compress(lzwInput)
    let state = members(1000)
    let stateBytes = StreamCodec().encode(.pushPull(state), using: &rng)

    Benchmark("Decode gossip packet (\(plain.count) B, 7 messages, plain)") { benchmark in
        for _ in benchmark.scaledIterations {
            blackHole(try plainCodec.decode(plain))
        }
    }
    Benchmark("Encode gossip packet (7 messages, plain)") { benchmark in
        var rng = SeededRandom(seed: 2)
        for _ in benchmark.scaledIterations {
            blackHole(plainCodec.encode(messages, addChecksum: true, using: &rng))
        }
    }
    Benchmark("Decode gossip packet (encrypted, AES-256-GCM)") { benchmark in
        for _ in benchmark.scaledIterations {
            blackHole(try encryptedCodec.decode(encrypted))
        }
    }
    Benchmark("Encode gossip packet (encrypted, AES-256-GCM)") { benchmark in
        var rng = SeededRandom(seed: 3)
        for _ in benchmark.scaledIterations {
            blackHole(encryptedCodec.encode(messages, addChecksum: true, using: &rng))
        }
    }
    Benchmark("LZW compress 1,400 B") { benchmark in
        for _ in benchmark.scaledIterations {
            blackHole(LZW.compress(lzwInput))
        }
    }
    Benchmark("LZW decompress 1,400 B") { benchmark in
        for _ in benchmark.scaledIterations {
            blackHole(try LZW.decompress(compressed, limit: 1 << 20))
        }
    }
    Benchmark("Encode push-pull of 1,000 members") { benchmark in
        var rng = SeededRandom(seed: 4)
        for _ in benchmark.scaledIterations {
            blackHole(StreamCodec().encode(.pushPull(state), using: &rng))
        }
    }
    Benchmark("Decode push-pull of 1,000 members") { benchmark in
        for _ in benchmark.scaledIterations {
            blackHole(try StreamCodec().decode(stateBytes))
        }
    }
}
