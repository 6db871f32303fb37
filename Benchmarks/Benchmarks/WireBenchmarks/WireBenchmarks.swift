import Benchmark
import GossipCore
import MemberlistWire
import SWIM

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

    let messages = SampleTraffic.typicalGossipPacket()
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

    // A thousand packets per sample, so that the harness's own work per sample does not count.
    let decoder = plainCodec
    Benchmark(
        "Decode gossip packet (\(plain.count) B, 7 messages, plain)",
        configuration: .init(scalingFactor: .kilo)
    ) { benchmark in
        for _ in benchmark.scaledIterations {
            blackHole(try decoder.decode(plain))
        }
    }
    Benchmark(
        "Decode gossip packet (\(plain.count) B, 7 messages, plain, into a kept result)",
        configuration: .init(scalingFactor: .kilo)
    ) { benchmark in
        var packet = PacketCodec.DecodedPacket()
        for _ in benchmark.scaledIterations {
            try decoder.decode(plain, into: &packet)
            blackHole(packet.messages.count)
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
