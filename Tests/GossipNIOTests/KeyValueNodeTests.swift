import Foundation
import GossipCore
import GossipNIO
import GossipStorage
import Logging
import MemberlistWire
import Replication
import SWIM
import Testing

/// The replicated key-value store and the aggregates on real nodes over 127.0.0.1, in one process.
@Suite("Replicated store on real nodes", .serialized)
struct KeyValueNodeTests {
    static let quiet = Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() })

    static func configuration(_ name: String, dataDirectory: String? = nil, antiEntropy: Duration = .seconds(1))
        -> NodeConfiguration
    {
        var configuration = NodeConfiguration(name: name)
        configuration.bindAddress = NodeAddress(ip: .loopbackV4, port: 0)
        configuration.settings = .local
        configuration.settings.streamTimeout = .seconds(10)  // generous under a loaded test run
        var replication = ReplicationConfiguration()
        replication.dataDirectory = dataDirectory
        replication.antiEntropyInterval = antiEntropy
        replication.aggregationInterval = .milliseconds(50)
        replication.aggregationRoundsPerEpoch = 40
        replication.treeDepth = 10
        configuration.replication = replication
        return configuration
    }

    static func startCluster(_ names: [String], antiEntropy: Duration = .seconds(1)) async throws -> [GossipNode] {
        var nodes: [GossipNode] = []
        for name in names {
            let node = GossipNode(configuration: configuration(name, antiEntropy: antiEntropy), logger: quiet)
            try await node.start()
            if let seed = await nodes.first?.boundAddress { _ = await node.join([seed]) }
            nodes.append(node)
        }
        return nodes
    }

    static func temporaryDirectory() -> String {
        let path = NSTemporaryDirectory() + "gossip-kv-\(UUID().uuidString)"
        try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    @Test("a write reaches every node by rumor, deletes and counters too, and a watcher sees it")
    func rumorsSpreadWrites() async throws {
        let nodes = try await Self.startCluster(["a", "b", "c", "d"], antiEntropy: .seconds(3600))
        defer { Task { for node in nodes { await node.shutdown() } } }
        #expect(await waitUntil(timeout: 10) { await nodes[0].replicationPeers.count == 3 })
        let watch = await nodes[3].watch(prefix: "train/")
        var iterator = watch.makeAsyncIterator()

        try await nodes[0].put("train/ic-42", Array("12 minutes late".utf8))
        try await nodes[1].increment("seats", by: 5)
        try await nodes[2].increment("seats", by: -2)
        #expect(
            await waitUntil(timeout: 10) {
                for node in nodes {
                    guard await node.value(of: "train/ic-42") == Array("12 minutes late".utf8),
                        await node.counter("seats") == 3
                    else { return false }
                }
                return true
            })
        let change = await iterator.next()
        #expect(change?.key == "train/ic-42")
        #expect(change?.origin == .rumor)
        try await nodes[3].delete("train/ic-42")
        #expect(
            await waitUntil(timeout: 10) {
                for node in nodes where await node.value(of: "train/ic-42") != nil { return false }
                return true
            })
        // Rumors only: no anti-entropy ran.
        #expect(await nodes[0].replicationStatistics.exchangesCompleted == 0)
    }

    @Test("keys and values over the limits are refused with the limit named")
    func limits() async throws {
        let nodes = try await Self.startCluster(["solo"])
        defer { Task { await nodes[0].shutdown() } }
        await #expect(throws: KeyValueError.self) { try await nodes[0].put("", [1]) }
        await #expect(throws: KeyValueError.self) {
            try await nodes[0].put("big", Array(repeating: 0, count: Replication.maximumValueBytes + 1))
        }
        do {
            try await nodes[0].put(String(repeating: "k", count: 2_000), [1])
            Issue.record("a 2,000-byte key was accepted")
        } catch {
            #expect(error.description.contains("limit"))
        }
        #expect(await nodes[0].keyValues().isEmpty)
    }

    @Test("a node restarted from its data directory keeps its writes and catches up by anti-entropy")
    func restartCatchesUp() async throws {
        let directory = Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let nodes = try await Self.startCluster(["p", "q"])
        defer { Task { for node in nodes { await node.shutdown() } } }
        let seed = try #require(await nodes[0].boundAddress)
        let restarting = GossipNode(
            configuration: Self.configuration("r", dataDirectory: directory), logger: Self.quiet)
        try await restarting.start()
        let address = try #require(await restarting.boundAddress)
        _ = await restarting.join([seed])
        try await restarting.put("kept", Array("before".utf8))
        await restarting.shutdown()

        // While it is down, the others write 300 keys it will not hear by rumor.
        for index in 0..<300 { try await nodes[index % 2].put("key-\(index)", Array("v\(index)".utf8)) }
        // Rumors of those writes are over before it comes back: what it gets now comes by anti-entropy.
        #expect(
            await waitUntil(timeout: 60) {
                let first = await nodes[0].replicationStatistics.pendingRumors
                let second = await nodes[1].replicationStatistics.pendingRumors
                return first == 0 && second == 0
            })
        // It comes back as an operator restarts it: the same data directory and the same address. (At another
        // address, before the others saw it fail, it would be an impostor of the name and lose its vote.)
        var restartedConfiguration = Self.configuration("r", dataDirectory: directory)
        restartedConfiguration.bindAddress = address
        let restarted = GossipNode(configuration: restartedConfiguration, logger: Self.quiet)
        try await restarted.start()
        #expect(await restarted.value(of: "kept") == Array("before".utf8))
        _ = await restarted.join([seed])
        // Every replica converges on the same data: the 300 writes and the one made before the restart (a bound
        // generous enough for a loaded machine: an exchange runs every second).
        let converged = await waitUntil(timeout: 60) {
            let roots = [await restarted.replicaRoot, await nodes[0].replicaRoot, await nodes[1].replicaRoot]
            return Set(roots).count == 1
        }
        let statistics = await restarted.replicationStatistics
        let views = [
            await restarted.members.map { "\($0.name)@\($0.address) \($0.status) #\($0.incarnation)" },
            await nodes[0].members.map { "\($0.name)@\($0.address) \($0.status) #\($0.incarnation)" },
        ]
        let peers = await restarted.replicationPeers.map(\.name)
        #expect(
            converged, "the restarted replica: \(statistics), its peers \(peers); members as r and p see them: \(views)"
        )
        #expect(await restarted.keyValues(prefix: "key-").count == 300)
        #expect(await nodes[0].value(of: "kept") == Array("before".utf8))
        #expect(
            await restarted.replicationStatistics.entriesFetched + nodes[0].replicationStatistics.entriesPushed
                + nodes[1].replicationStatistics.entriesPushed > 0)
        await restarted.shutdown()
    }

    @Test("a corrupted data file is refused at start with its byte offset")
    func corruptedFileRefused() async throws {
        let directory = Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let node = GossipNode(configuration: Self.configuration("c", dataDirectory: directory), logger: Self.quiet)
        try await node.start()
        try await node.put("a", Array(repeating: 1, count: 100))
        try await node.put("b", Array(repeating: 2, count: 100))
        await node.shutdown()
        let path = directory + "/replica.log"
        var bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: path)))
        bytes[40] ^= 0xFF
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        let reopened = GossipNode(configuration: Self.configuration("c", dataDirectory: directory), logger: Self.quiet)
        do {
            try await reopened.start()
            Issue.record("a corrupted log was opened")
            await reopened.shutdown()
        } catch let error as StorageError {
            #expect(error.description.contains("corrupted at byte 8"))
        }
    }

    @Test("malformed anti-entropy requests are refused and counted; the node keeps serving")
    func malformedRequests() async throws {
        let nodes = try await Self.startCluster(["m"])
        defer { Task { await nodes[0].shutdown() } }
        try await nodes[0].put("x", [1])
        let address = try #require(await nodes[0].boundAddress)
        var rng = SystemRandomNumberGenerator()
        let hostile: [[UInt8]] = [
            [201], [201, 99], [201, 4, 0xFF, 0xFF, 0xFF, 0x7F],  // unknown type; a fetch claiming 2³¹ keys
            [201, 5, 1, 0, 0, 0, 1, 0, 0x41],  // a push cut short
            [201, 2, 10, 1, 0, 0, 0, 0xFF, 0xFF, 0xFF, 0xFF],  // children of a parent outside the tree
        ]
        for payload in hostile {
            let request = StreamCodec(keyring: nil).encode(.user(payload), using: &rng)
            let descriptor = try openStream(to: address, sending: request)
            close(descriptor)
        }
        #expect(await waitUntil(timeout: 5) { await nodes[0].replicationStatistics.malformedMessages >= 4 })
        #expect(await nodes[0].value(of: "x") == [1])
        // A well-formed exchange still works.
        let other = try await Self.startCluster(["n"])
        defer { Task { await other[0].shutdown() } }
        let outcome = try await other[0].synchronize(with: address)
        #expect(outcome.fetched.map(\.key) == ["x"])
    }

    @Test("push-sum over real nodes: every node's average, count, sum, min and max, within the bound it states")
    func aggregates() async throws {
        let nodes = try await Self.startCluster(["g1", "g2", "g3", "g4", "g5"], antiEntropy: .seconds(3600))
        defer { Task { for node in nodes { await node.shutdown() } } }
        #expect(await waitUntil(timeout: 10) { await nodes[4].replicationPeers.count == 4 })
        try await nodes[0].addAlert(AlertRule(parsing: "avg(latency) > 25"))
        try await nodes[1].addAlert(AlertRule(parsing: "max(latency) <= 10"))  // never holds: no event
        let alerts = await nodes[0].subscribeUserEvents()
        let quiet = await nodes[1].subscribeUserEvents()
        let values: [Double] = [10, 20, 30, 40, 50]
        for (node, value) in zip(nodes, values) { try await node.setAggregate("latency", value) }
        // One full epoch (40 rounds of 50 ms) after the values are set, plus the one they were set in.
        var readings: [AggregateReading] = []
        #expect(
            await waitUntil(timeout: 30) {
                readings = []
                for node in nodes {
                    // A complete epoch of the five values, in which this node ran at least 30 of its 40 rounds
                    // (a loaded machine may delay a few).
                    guard let reading = await node.aggregate("latency"), reading.complete,
                        reading.count == 5, reading.rounds >= 30
                    else { return false }
                    readings.append(reading)
                }
                return true
            })
        for reading in readings {
            let average = try #require(reading.average)
            let bound = try #require(reading.errorBound)
            // The stated bound holds, and after 30 rounds on 5 nodes it is tight: O(log n + log 1/ε) gives
            // ε ≈ 2^-(30 / 2 - log2 5) ≈ 10⁻⁴ with the constant 2 of Kempe et al.
            #expect(abs(average - 30) <= max(bound, 1e-9) + 1e-9)
            #expect(abs(average - 30) < 0.01)
            #expect(abs((reading.sum ?? 0) - 150) < 0.1)
            #expect(reading.minimum == 10 && reading.maximum == 50)
        }
        var iterator = alerts.makeAsyncIterator()
        let alert = await iterator.next()
        #expect(alert?.name == "alert")
        let text = alert.map { String(decoding: $0.payload, as: UTF8.self) } ?? ""
        #expect(text.hasPrefix("avg(latency) > 25: "))
        // The estimate the alert reports holds the rule and is near the true 30 (the first complete epoch may have
        // run fewer rounds on a loaded machine, so the tight bound is checked on the readings above).
        #expect(Double(text.dropFirst("avg(latency) > 25: ".count)).map { $0 > 25 && abs($0 - 30) < 1 } == true)
        await nodes[1].shutdown()
        var quietEvents: [String] = []
        for await event in quiet { quietEvents.append(event.name) }
        #expect(quietEvents.isEmpty)
    }

    @Test("maintenance drops expired tombstones and compacts a log of superseded records; the data survive")
    func maintenance() async throws {
        let directory = Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        var configuration = Self.configuration("tidy", dataDirectory: directory)
        configuration.replication?.tombstoneHorizon = .seconds(1)
        configuration.replication?.maintenanceInterval = .seconds(3600)  // run by hand below
        let node = GossipNode(configuration: configuration, logger: Self.quiet)
        try await node.start()
        let value = Array(repeating: UInt8(0x61), count: 1_000)
        for round in 0..<150 {
            for key in 0..<10 { try await node.put("hot-\(key)", value + [UInt8(round)]) }
        }
        for key in 0..<5 { try await node.delete("hot-\(key)") }
        let grown = await node.replicationStatistics.logBytes
        #expect(grown > 1_000_000)
        // The tombstones expire after a second; a pass then drops them and compacts.
        #expect(
            await waitUntil(timeout: 10) {
                await node.maintainReplica()
                return await node.replicationStatistics.keys == 5
            })
        let statistics = await node.replicationStatistics
        #expect(statistics.keys == 5)
        #expect(statistics.logBytes < 20_000)
        await node.shutdown()
        let reopened = GossipNode(configuration: configuration, logger: Self.quiet)
        try await reopened.start()
        #expect(await reopened.keyValues().map(\.key) == (5..<10).map { "hot-\($0)" })
        #expect(await reopened.value(of: "hot-7") == value + [149])
        await reopened.shutdown()
    }
}
