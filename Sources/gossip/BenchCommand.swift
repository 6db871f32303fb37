import ArgumentParser
import Dissemination
import Foundation
import GossipCore
import GossipSimulator
import GossipStorage
import GossipTestKit
import MemberlistWire
import Replication
import SWIM
import Serf

/// `gossip bench`: performance measurements that are not tests.
struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Measure how fast the project's engines run.",
        subcommands: [
            SWIMClusterBench.self, SpreadBench.self, MerkleBench.self, StoreBench.self, WireBench.self,
            KeyValueBench.self, VivaldiBench.self, TreeBench.self,
        ],
        defaultSubcommand: SWIMClusterBench.self)
}

/// `gossip bench swim`: virtual node-seconds per wall-clock second of the test kit running real SWIM instances.
struct SWIMClusterBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "swim",
        abstract: "Form a SWIM cluster in the test kit, then run it in steady state, and report the speed.")

    @Option(help: "Nodes in the cluster.")
    var nodes: Int = 1000

    @Option(help: "Virtual seconds to run after the cluster has formed.")
    var seconds: Int = 60

    @Option(help: "Seed.")
    var seed: UInt64 = 1

    @Option(help: "Share of datagrams lost.")
    var loss: Double = 0

    func validate() throws {
        guard nodes >= 2 else { throw ValidationError("--nodes must be at least 2") }
        guard seconds > 0 else { throw ValidationError("--seconds must be positive") }
        guard (0..<1).contains(loss) else { throw ValidationError("--loss must lie in [0, 1)") }
    }

    func run() throws {
        let cluster = SimulatedCluster(
            size: nodes,
            network: NetworkConditions(latency: .uniform(.microseconds(200), .milliseconds(2)), lossRate: loss),
            seed: seed)
        cluster.recordsLog = false
        let clock = ContinuousClock()

        let formStart = clock.now
        cluster.startAll(joiningThrough: 0, spacing: .milliseconds(10))
        let formed = cluster.run(until: cluster.now + .seconds(600)) {
            $0.isConverged && $0.runningNodes.count == nodes
        }
        let formWall = clock.now - formStart
        let formVirtual = cluster.now
        print(
            "formation: \(nodes) nodes \(formed ? "converged" : "NOT converged") at \(formVirtual) virtual in \(format(formWall)) wall"
        )

        let before = cluster.traffic
        let steadyStart = clock.now
        cluster.run(for: .seconds(seconds))
        let steadyWall = clock.now - steadyStart
        let packets = cluster.traffic.packetsSent - before.packetsSent
        let nodeSeconds = Double(nodes * seconds)
        print("steady state: \(seconds) virtual s in \(format(steadyWall)) wall, \(packets) packets")
        print(
            "  \(Int(nodeSeconds / steadyWall.secondsValue)) virtual node-seconds per wall second; \(String(format3(Double(seconds) / steadyWall.secondsValue)))x real time"
        )
        print("  converged at the end: \(cluster.isConverged)")
    }

    private func format(_ duration: Duration) -> String { "\(format3(duration.secondsValue)) s" }
}

func format3(_ value: Double) -> String {
    let scaled = (value * 1000).rounded() / 1000
    return String(scaled)
}

/// `gossip bench spread`: wall time, rounds and peak memory of the complete-graph spread kernel.
struct SpreadBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "spread",
        abstract: "Time the spread kernel (push, pull, push-pull on a complete graph) and report peak memory.")

    @Option(help: "push, pull or push-pull.")
    var `protocol`: Dissemination.Mode = .pushPull

    @Option(help: "Nodes.")
    var nodes: Int = 1_000_000

    @Option(help: "Runs (seeds seed, seed+1, ...).")
    var runs: Int = 5

    @Option(help: "Seed of the first run.")
    var seed: UInt64 = 1

    func validate() throws {
        guard nodes >= 2 else { throw ValidationError("--nodes must be at least 2") }
        guard runs >= 1 else { throw ValidationError("--runs must be at least 1") }
    }

    func run() throws {
        let kernel = SpreadKernel(nodes: nodes, mode: `protocol`)
        let clock = ContinuousClock()
        var walls: [Double] = []
        var rounds: [Int] = []
        var deliveries = 0
        for run in 0..<runs {
            let started = clock.now
            let outcome = kernel.run(seed: seed &+ UInt64(run))
            walls.append((clock.now - started).secondsValue)
            rounds.append(outcome.rounds)
            deliveries += outcome.deliveries
        }
        let totalWall = walls.reduce(0, +)
        let result: [String: Any] = [
            "protocol": `protocol`.rawValue, "nodes": nodes, "runs": runs, "seed": seed,
            "rounds": rounds, "wall_s_mean": totalWall / Double(runs), "wall_s": walls,
            "deliveries_per_s": Int(Double(deliveries) / totalWall),
            "state_bytes_per_node": Double(kernel.stateBytes) / Double(nodes),
            "peak_rss_mib": Double(peakResidentBytes()) / 1_048_576,
        ]
        let data = try JSONSerialization.data(withJSONObject: result, options: [.sortedKeys])
        print(String(decoding: data, as: UTF8.self))
    }
}

/// `gossip bench merkle`: anti-entropy between two replicas that differ in a few keys.
struct MerkleBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "merkle",
        abstract: "Time a Merkle anti-entropy exchange between two replicas and compare its bytes with a full copy.")

    @Option(help: "Keys in each replica.")
    var keys: Int = 1_000_000

    @Option(help: "Keys that differ.")
    var differing: Int = 100

    @Option(help: "Depth of the Merkle tree (2^depth buckets).")
    var depth: Int = 18

    func validate() throws {
        guard keys >= 1, differing >= 0, differing <= keys else {
            throw ValidationError("--keys must be positive and --differing at most --keys")
        }
        guard (1...24).contains(depth) else { throw ValidationError("--depth lies in 1...24") }
    }

    func run() throws {
        var a = Replication.Replica(treeDepth: depth)
        let value = Array(repeating: UInt8(7), count: 16)
        let clock = ContinuousClock()
        let loadStart = clock.now
        for key in 0..<keys { a.apply("sku-\(key)", .init(value: value, timestamp: .init(milliseconds: 1))) }
        let load = clock.now - loadStart
        var b = a
        let step = max(1, keys / max(differing, 1))
        for key in stride(from: 0, to: keys, by: step).prefix(differing) {
            b.apply("sku-\(key)", .init(value: Array(repeating: 9, count: 16), timestamp: .init(milliseconds: 2)))
        }
        let full = Replication.AntiEntropySession.fullTransferBytes(a)
        let start = clock.now
        let result = Replication.AntiEntropySession.synchronize(&a, &b)
        let wall = clock.now - start
        print("\(keys) keys, \(differing) differ, tree depth \(depth)")
        print("  writes into a replica: \(Int(Double(keys) / load.secondsValue)) per second")
        print(
            "  exchange: \(result.bytes) bytes in \(result.roundTrips) round trips, \(format3(wall.secondsValue * 1000)) ms; shipped \(result.shippedToInitiator + result.shippedToResponder) entries"
        )
        print("  a full copy: \(full) bytes (\(format3(Double(full) / Double(max(result.bytes, 1))))x more)")
        print(
            "  agree afterwards: \(a.tree.root == b.tree.root); peak memory \(format3(Double(peakResidentBytes()) / 1_048_576)) MiB (\(peakResidentBytes() / max(keys, 1) / 2) bytes per key per replica)"
        )
    }
}

/// `gossip bench store`: acknowledged (fsynced) writes per second into the replica log.
struct StoreBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "store", abstract: "Measure durable writes per second into a replica log, and compaction.")

    @Option(help: "Writes.")
    var writes: Int = 2_000

    @Option(help: "Directory for the log (a temporary one by default).")
    var directory: String?

    func validate() throws {
        guard writes >= 1 else { throw ValidationError("--writes must be at least 1") }
    }

    func run() throws {
        let folder = directory ?? FileManager.default.temporaryDirectory.path
        let path = folder + "/bench-\(UUID().uuidString).log"
        defer { try? FileManager.default.removeItem(atPath: path) }
        var log = try ReplicaLog(path: path)
        let clock = ContinuousClock()
        let start = clock.now
        for index in 0..<writes {
            try log.append(
                "sku-\(index % 500)",
                .init(value: Array(repeating: 7, count: 32), timestamp: .init(milliseconds: UInt64(index + 1))))
        }
        let wall = clock.now - start
        let before = log.fileBytes
        let compactStart = clock.now
        try log.compact()
        let compactWall = clock.now - compactStart
        print(
            "\(writes) acknowledged writes (each fsynced) in \(format3(wall.secondsValue)) s: \(Int(Double(writes) / wall.secondsValue)) per second"
        )
        print("compaction: \(before) bytes to \(log.fileBytes) bytes in \(format3(compactWall.secondsValue * 1000)) ms")
    }
}

/// `gossip bench wire`: decode throughput of a typical gossip packet, in a tight loop (a quick check beside the
/// Benchmarks package, which adds allocation counts).
struct WireBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "wire", abstract: "Decode a typical gossip packet (a ping and six broadcasts, CRC) in a loop.")

    @Option(help: "Packets to decode.")
    var packets: Int = 500_000

    func validate() throws {
        guard packets >= 1 else { throw ValidationError("--packets must be at least 1") }
    }

    func run() throws {
        let messages = SampleTraffic.typicalGossipPacket()
        var rng = SeededRandom(seed: 1)
        var codec = PacketCodec()
        codec.compression = false
        let packet = codec.encode(messages, addChecksum: true, using: &rng)[0]
        let clock = ContinuousClock()
        var decoded = 0
        var start = clock.now
        for _ in 0..<packets { decoded += try codec.decode(packet).messages.count }
        let wall = (clock.now - start).secondsValue
        // A receive loop that keeps one result and decodes into it.
        var reused = PacketCodec.DecodedPacket()
        start = clock.now
        for _ in 0..<packets {
            try codec.decode(packet, into: &reused)
            decoded += reused.messages.count
        }
        let reusedWall = (clock.now - start).secondsValue
        // The same messages sealed with AES-256-GCM, as an encrypted cluster sends them.
        var sealing = codec
        sealing.keyring = try Keyring(primaryKey: Array(repeating: 7, count: 32))
        let sealed = sealing.encode(messages, addChecksum: true, using: &rng)[0]
        start = clock.now
        for _ in 0..<packets {
            try sealing.decode(sealed, into: &reused)
            decoded += reused.messages.count
        }
        let sealedWall = (clock.now - start).secondsValue
        let method = CRC32.folds ? "carry-less folding" : "tables"
        print("\(packet.count)-byte packet of \(messages.count) messages, CRC-32 by \(method):")
        let runs = [
            ("decode", wall), ("decode into a kept result", reusedWall),
            ("open (AES-256-GCM) and decode into a kept result", sealedWall),
        ]
        for (label, seconds) in runs {
            let rate = Int(Double(packets) / seconds)
            print("  \(label): \(rate) packets/s, \(format3(seconds / Double(packets) * 1e9)) ns each")
        }
        precondition(decoded == 3 * packets * messages.count, "every packet decodes to its messages")
    }
}

/// `gossip bench vivaldi`: one network-coordinate update (Serf's Vivaldi client), as every answered probe makes.
struct VivaldiBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "vivaldi", abstract: "Time one network-coordinate update, as every answered probe makes one.")

    @Option(help: "Updates to time.")
    var updates: Int = 2_000_000

    func validate() throws {
        guard updates >= 1 else { throw ValidationError("--updates must be at least 1") }
    }

    func run() throws {
        var rng = SeededRandom(seed: 1)
        // Sixteen peers at distances of a few milliseconds, observed in turn, as a node's probes go round.
        let peers = (0..<16).map { index -> (String, SerfCoordinate, Duration) in
            var coordinate = SerfCoordinate.origin
            for dimension in coordinate.vector.indices {
                coordinate.vector[dimension] = Double.random(in: -0.002...0.002, using: &rng)
            }
            coordinate.error = 0.3
            return ("node-\(index)", coordinate, .microseconds(500 + 300 * index))
        }
        var client = Serf.VivaldiClient()
        let clock = ContinuousClock()
        let start = clock.now
        var accepted = 0
        for index in 0..<updates {
            let (name, coordinate, roundTrip) = peers[index & 15]
            if (try? client.update(node: name, other: coordinate, roundTrip: roundTrip, using: &rng)) != nil {
                accepted += 1
            }
        }
        let wall = (clock.now - start).secondsValue
        precondition(accepted == updates, "every observation is taken")
        print(
            "Vivaldi update (8 dimensions, Serf's defaults): \(format3(wall / Double(updates) * 1e9)) ns each, "
                + "\(Int(Double(updates) / wall)) per second; error now \(format3(client.coordinate.error))")
    }
}
