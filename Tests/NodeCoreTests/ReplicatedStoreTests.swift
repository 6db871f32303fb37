import GossipCore
import GossipTestKit
import NodeCore
import Replication
import SWIM
import Serf
import Testing

/// The replicated store on full node cores in virtual time: writes acknowledged only once durable, conflicting
/// writes converging after a partition, counters exact, deletes kept, a restarted replica catching up, and the
/// aggregates with their alerts; the same seed gives the same history.
@Suite("The replicated store in virtual time", .serialized)
struct ReplicatedStoreTests {
    static func cluster(size: Int, loss: Double = 0, seed: UInt64) -> SimulatedCluster {
        SimulatedCluster(
            size: size,
            network: NetworkConditions(latency: .uniform(.microseconds(200), .milliseconds(2)), lossRate: loss),
            seed: seed, serf: Serf.Configuration(), store: Replication.Store.Configuration())
    }

    static func acknowledged(_ cluster: SimulatedCluster, node: Int, write: UInt64) -> Replication.Timestamp? {
        guard case .success(let acknowledgement)? = cluster.acknowledgements[node]?[write] else { return nil }
        return acknowledgement.timestamp
    }

    @Test("a write is acknowledged only once durable, is on the node's disk then, and reaches every replica")
    func acknowledgedOnceDurable() throws {
        let cluster = Self.cluster(size: 20, seed: 3)
        cluster.persistLatency = .milliseconds(5)
        cluster.startAllFormed()
        cluster.run(for: .seconds(1))
        let write = try cluster.put(node: 0, "greeting", Array("hello".utf8))
        cluster.run(for: .milliseconds(4))
        #expect(cluster.acknowledgements[0]?[write] == nil)
        #expect(cluster.store(0)?.value(of: "greeting") == nil)
        cluster.run(for: .milliseconds(2))
        #expect(Self.acknowledged(cluster, node: 0, write: write) != nil)
        #expect(cluster.disk(ofNode: 0).map["greeting"] == Array("hello".utf8))
        cluster.run(for: .seconds(5))
        for node in 0..<20 {
            #expect(cluster.store(node)?.value(of: "greeting") == Array("hello".utf8), "node \(node)")
        }
        #expect(cluster.storesAgree)
    }

    @Test(
        "30 nodes cut 15/15: conflicting writes converge to the newest everywhere after healing, the same way every run"
    )
    func conflictingWritesConverge() async throws {
        @Sendable func run() -> (values: [[UInt8]?], agree: Bool, changes: [Int: [Replication.KeyValueChange]]) {
            let cluster = Self.cluster(size: 30, seed: 11)
            cluster.startAllFormed()
            cluster.run(for: .seconds(1))
            cluster.partition([Array(0..<15), Array(15..<30)])
            cluster.run(for: .seconds(1))
            _ = try? cluster.put(node: 2, "leader", Array("west".utf8))
            for number in 0..<40 { _ = try? cluster.put(node: number % 15, "west-\(number)", [UInt8(number)]) }
            cluster.run(for: .seconds(1))
            _ = try? cluster.put(node: 20, "leader", Array("east".utf8))
            for number in 0..<40 { _ = try? cluster.put(node: 15 + number % 15, "east-\(number)", [UInt8(number)]) }
            cluster.run(for: .seconds(20))
            cluster.heal()
            cluster.run(for: .seconds(40))
            return ((0..<30).map { cluster.store($0)?.value(of: "leader") }, cluster.storesAgree, cluster.storeChanges)
        }
        let (first, second) = await onComputeThread { (run(), run()) }
        #expect(first.agree)
        #expect(first.values.allSatisfy { $0 == Array("east".utf8) })
        #expect(first.changes == second.changes)
    }

    @Test("20 nodes, 10 % loss and a partition: every increment counts once on every node")
    func countersAreExact() async throws {
        let totals = await onComputeThread { () -> [Int64?] in
            let cluster = Self.cluster(size: 20, loss: 0.1, seed: 8)
            cluster.startAllFormed()
            cluster.run(for: .seconds(1))
            cluster.partition([Array(0..<10), Array(10..<20)])
            for round in 0..<5 {
                for node in 0..<20 { _ = try? cluster.increment(node: node, "requests", by: Int64(round + 1)) }
                _ = try? cluster.increment(node: round, "requests", by: -3)
                cluster.run(for: .milliseconds(500))
            }
            cluster.run(for: .seconds(10))
            cluster.heal()
            cluster.run(for: .seconds(40))
            return (0..<20).map { cluster.store($0)?.counter("requests") }
        }
        // 20 nodes × (1 + 2 + 3 + 4 + 5), less 5 × 3.
        #expect(totals.allSatisfy { $0 == 20 * 15 - 15 }, "\(totals)")
    }

    @Test("a delete made on one side of a partition beats the older write made on the other")
    func deletesStayDeleted() throws {
        let cluster = Self.cluster(size: 10, seed: 4)
        cluster.startAllFormed()
        cluster.run(for: .seconds(1))
        try cluster.put(node: 0, "config", [1])
        cluster.run(for: .seconds(5))
        cluster.partition([Array(0..<5), Array(5..<10)])
        try cluster.put(node: 7, "config", [2])
        cluster.run(for: .seconds(1))
        try cluster.delete(node: 1, "config")
        cluster.run(for: .seconds(5))
        #expect(cluster.store(8)?.value(of: "config") == [2])
        cluster.heal()
        cluster.run(for: .seconds(40))
        for node in 0..<10 { #expect(cluster.store(node)?.value(of: "config") == nil, "node \(node)") }
        #expect(cluster.storesAgree)
    }

    @Test("a restarted replica keeps what its disk holds, and one that lost its disk catches up by anti-entropy")
    func restartedReplicaCatchesUp() throws {
        let cluster = Self.cluster(size: 10, seed: 6)
        cluster.startAllFormed()
        cluster.run(for: .seconds(1))
        let write = try cluster.put(node: 3, "before", [3])
        cluster.run(for: .seconds(2))
        #expect(Self.acknowledged(cluster, node: 3, write: write) != nil)
        cluster.crash(node: 3)
        cluster.crash(node: 4)
        for number in 0..<100 { try cluster.put(node: number % 3, "while-down-\(number)", [UInt8(number)]) }
        cluster.run(for: .seconds(5))
        cluster.restart(node: 3, joiningThrough: [0])
        cluster.restart(node: 4, joiningThrough: [0], losingDisk: true)
        cluster.run(for: .milliseconds(1))
        #expect(cluster.store(3)?.value(of: "before") == [3])
        #expect(cluster.store(4)?.replica.map.entries.isEmpty == true)
        cluster.run(for: .seconds(40))
        for node in [3, 4] {
            #expect(cluster.store(node)?.keyValues(prefix: "while-down-").count == 100, "node \(node)")
            #expect(cluster.store(node)?.value(of: "before") == [3], "node \(node)")
        }
        #expect(cluster.storesAgree)
    }

    @Test("replicas that agree send each other one digest a round and nothing more; a differing one is repaired")
    func digestsBeforeExchanges() throws {
        let cluster = Self.cluster(size: 8, seed: 9)
        cluster.startAllFormed()
        for number in 0..<20 { try cluster.put(node: number % 8, "key-\(number)", [UInt8(number)]) }
        cluster.run(for: .seconds(15))
        #expect(cluster.storesAgree)
        func exchanges() -> Int {
            (0..<8).reduce(0) { total, node in
                let statistics = cluster.store(node)?.statistics
                return total + (statistics?.exchangesCompleted ?? 0) + (statistics?.exchangesFailed ?? 0)
            }
        }
        func digests() -> Int { (0..<8).reduce(0) { $0 + (cluster.store($1)?.statistics.digestsSent ?? 0) } }
        let (exchangesBefore, digestsBefore) = (exchanges(), digests())
        cluster.run(for: .seconds(60))
        // 60 s of 10 s rounds: about six digests per replica, no exchange among replicas that agree.
        #expect(digests() - digestsBefore >= 8 * 5)
        #expect(exchanges() == exchangesBefore)
        // A replica that lost its disk differs: the digests it sends and gets open exchanges that repair it.
        cluster.crash(node: 5)
        cluster.restart(node: 5, joiningThrough: [0], losingDisk: true)
        cluster.run(for: .seconds(40))
        #expect(cluster.store(5)?.keyValues(prefix: "key-").count == 20)
        #expect(exchanges() > exchangesBefore)
        #expect(cluster.storesAgree)
    }

    @Test("aggregates: every node reads the cluster's average within its bound, and an alert fires on a threshold")
    func aggregatesAndAlerts() throws {
        let cluster = Self.cluster(size: 20, seed: 9)
        cluster.startAllFormed()
        for node in 0..<20 { try cluster.setAggregate(node: node, "cpu", Double(node)) }
        try cluster.addAlert(node: 0, Replication.AlertRule(parsing: "avg(cpu) > 5"))
        cluster.run(for: .seconds(20))
        for node in 0..<20 {
            let reading = try #require(cluster.store(node)?.aggregate("cpu", at: cluster.now))
            #expect(reading.complete)
            let average = try #require(reading.average)
            #expect(abs(average - 9.5) <= max(1e-6, reading.errorBound ?? 0), "node \(node): \(average)")
            #expect(reading.count == 20)
        }
        #expect(cluster.alerts.contains { $0.node == 0 && $0.firing && $0.rule.name == "cpu" })
    }
}

/// The store value alone: durability failures, increments that build on writes not yet durable.
@Suite("The store value")
struct StoreValueTests {
    var rng = SeededRandom(seed: 1, stream: 0)

    static func batch(_ effects: [Replication.Store.Effect]) -> UInt64? {
        for case .persist(_, let batch) in effects { return batch }
        return nil
    }

    @Test("a batch the disk refuses refuses its write and changes nothing; the next write goes through")
    mutating func failedPersist() throws {
        var store = Replication.Store(name: "a")
        let (write, effects) = try store.put("k", [1], at: .zero)
        let batch = try #require(Self.batch(effects))
        let failed = store.persisted(
            batch: batch, failure: Replication.StoreError("ENOSPC"), at: .zero + .milliseconds(1), using: &rng)
        guard case .acknowledged(write, .failure(let error))? = failed.first else {
            Issue.record("no refusal: \(failed)")
            return
        }
        #expect(error.description == "ENOSPC")
        #expect(store.value(of: "k") == nil)
        #expect(store.pendingRumors == 0)
        #expect(store.statistics.persistFailures == 1)
        let (second, more) = try store.put("k", [2], at: .zero + .milliseconds(2))
        let done = store.persisted(
            batch: try #require(Self.batch(more)), failure: nil, at: .zero + .milliseconds(3), using: &rng)
        #expect(done.contains { if case .acknowledged(second, .success) = $0 { true } else { false } })
        #expect(store.value(of: "k") == [2])
    }

    @Test("two increments before either is durable both count")
    mutating func incrementsBuildOnUndurableWrites() throws {
        var store = Replication.Store(name: "a")
        let first = try #require(Self.batch(try store.increment("n", by: 2, at: .zero).effects))
        let second = try #require(Self.batch(try store.increment("n", by: 5, at: .zero).effects))
        _ = store.persisted(batch: first, failure: nil, at: .zero, using: &rng)
        let effects = store.persisted(batch: second, failure: nil, at: .zero, using: &rng)
        #expect(store.counter("n") == 7)
        #expect(
            effects.contains {
                if case .acknowledged(_, .success(let acknowledgement)) = $0 {
                    acknowledgement.counter == 7
                } else {
                    false
                }
            })
    }

    @Test("a digest of the wrong length is dropped and counted; one from a stranger opens no exchange")
    func malformedDigests() {
        var store = Replication.Store(name: "a")
        var rng = SeededRandom(seed: 1)
        let sender = NodeAddress(ip: .loopbackV4, port: 7946)
        _ = store.receive([ReplicationPayload.digest, 16, 1, 2], from: sender, at: .zero, using: &rng)
        #expect(store.statistics.malformedMessages == 1)
        // Well formed and differing (an empty replica's root is not 1), but from no known peer: nothing to open.
        let effects = store.receive(
            [ReplicationPayload.digest, 16, 0, 0, 0, 0, 0, 0, 0, 1], from: sender, at: .zero, using: &rng)
        #expect(store.statistics.malformedMessages == 1 && store.statistics.digestsDiffering == 1)
        #expect(effects.isEmpty)
    }

    @Test("user keys: empty, too long and NUL-led keys are refused with the reason")
    mutating func keyValidation() {
        var store = Replication.Store(name: "a")
        #expect(throws: Replication.StoreError("the key is empty")) { try store.put("", [], at: .zero) }
        #expect(throws: Replication.StoreError("keys starting with a NUL byte are reserved")) {
            try store.put("\u{0}x", [], at: .zero)
        }
        let long = String(repeating: "k", count: Replication.Store.maximumKeyBytes + 1)
        #expect(throws: Replication.StoreError.self) { try store.put(long, [], at: .zero) }
    }
}
