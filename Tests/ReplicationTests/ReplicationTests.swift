import GossipCore
import Replication
import Testing

@Suite("Replicated state")
struct ReplicationTests {
    typealias Entry = Replication.LWWMap.Entry

    /// Anti-entropy rounds: every replica syncs with one random other until all roots agree.
    static func heal(_ replicas: inout [Replication.Replica], using rng: inout SeededRandom) -> Int {
        var rounds = 0
        while Set(replicas.map(\.tree.root)).count > 1 && rounds < 100 {
            rounds += 1
            for index in replicas.indices {
                var other = rng.nextIndex(below: replicas.count - 1)
                if other >= index { other += 1 }
                var a = replicas[index]
                var b = replicas[other]
                _ = Replication.AntiEntropySession.synchronize(&a, &b)
                replicas[index] = a
                replicas[other] = b
            }
        }
        return rounds
    }

    @Test("conflicting writes on both sides of a partition converge to the newest everywhere")
    func conflictingWritesConverge() {
        var rng = SeededRandom(seed: 1)
        var replicas = (0..<20).map { _ in Replication.Replica(treeDepth: 8) }
        var clocks = (0..<20).map { Replication.HybridLogicalClock(node: UInt32($0)) }
        // During the partition, side A (0..<10) and side B (10..<20) write the same keys.
        for key in 0..<50 {
            let a = key % 10
            let b = 10 + key % 10
            let stampA = clocks[a].now(wallMilliseconds: 1_000 + UInt64(key))
            let stampB = clocks[b].now(wallMilliseconds: 1_000 + UInt64(key) + (key % 2 == 0 ? 5 : 0))
            replicas[a].apply("sku-\(key)", Entry(value: [1], timestamp: stampA))
            replicas[b].apply("sku-\(key)", Entry(value: [2], timestamp: stampB))
        }
        var sideA = Array(replicas[0..<10])
        var sideB = Array(replicas[10..<20])
        _ = Self.heal(&sideA, using: &rng)
        _ = Self.heal(&sideB, using: &rng)
        replicas = sideA + sideB
        let rounds = Self.heal(&replicas, using: &rng)
        #expect(rounds < 20)
        #expect(Set(replicas.map(\.tree.root)).count == 1)
        for key in 0..<50 {
            // The rule: the larger timestamp wins; equal wall times break by logical counter, then node id (B > A).
            let expected: UInt8 = 2
            #expect(replicas.allSatisfy { $0.map["sku-\(key)"] == [expected] })
        }
    }

    @Test("a delete is not undone by an older write arriving after the partition heals")
    func deletesDoNotResurrect() {
        var rng = SeededRandom(seed: 2)
        var replicas = (0..<6).map { _ in Replication.Replica(treeDepth: 6) }
        let written = Replication.Timestamp(milliseconds: 100, node: 1)
        for index in replicas.indices { replicas[index].apply("order-7", Entry(value: [9], timestamp: written)) }
        // Side A deletes; side B never hears of it until healing.
        replicas[0].apply("order-7", Entry(value: nil, timestamp: Replication.Timestamp(milliseconds: 200, node: 0)))
        _ = Self.heal(&replicas, using: &rng)
        #expect(replicas.allSatisfy { $0.map["order-7"] == nil })
        // The old write arrives late somewhere: the tombstone wins.
        let resurrected = replicas[3].apply("order-7", Entry(value: [9], timestamp: written))
        #expect(!resurrected)
        // Once every member has seen the tombstone it can be dropped.
        var map = replicas[3].map
        #expect(map.collectGarbage(seenByAllUpTo: Replication.Timestamp(milliseconds: 150)) == 0)
        #expect(map.collectGarbage(seenByAllUpTo: Replication.Timestamp(milliseconds: 250)) == 1)
        #expect(map.entries.isEmpty)
    }

    @Test("concurrent increments from 50 nodes sum exactly, whatever the merge order")
    func countersSumExactly() {
        var rng = SeededRandom(seed: 3)
        var counters = (0..<50).map { _ in Replication.PNCounter() }
        var expected: Int64 = 0
        for node in 0..<50 {
            for _ in 0..<(1 + node % 7) {
                let amount = Int64(rng.nextIndex(below: 21)) - 5
                counters[node].add(amount, by: UInt32(node))
                expected += amount
            }
        }
        // Gossip rounds: each node merges a random peer's counter.
        for _ in 0..<40 {
            for node in 0..<50 { counters[node].merge(counters[rng.nextIndex(below: 50)]) }
        }
        #expect(counters.allSatisfy { $0.value == expected })
    }

    @Test("a Merkle sync of 100,000 keys that differ in 10 ships about those 10 entries and the tree path")
    func merkleSyncShipsTheDifference() {
        let depth = 16
        var a = Replication.Replica(treeDepth: depth)
        for key in 0..<100_000 {
            a.apply("sku-\(key)", Entry(value: Array(repeating: 7, count: 8), timestamp: .init(milliseconds: 1)))
        }
        var b = a
        for key in stride(from: 0, to: 100_000, by: 10_000) {
            b.apply("sku-\(key)", Entry(value: [1, 2, 3, 4, 5, 6, 7, 8], timestamp: .init(milliseconds: 2)))
        }
        let full = Replication.AntiEntropySession.fullTransferBytes(a)
        let result = Replication.AntiEntropySession.synchronize(&a, &b)
        #expect(a.tree.root == b.tree.root)
        #expect(result.shippedToInitiator == 10 && result.shippedToResponder == 0)
        #expect(result.differingBuckets == 10)
        // The bound: per level, at most 10 differing parents (4 bytes asked, two 8-byte hashes answered; 11 bytes
        // of headers); the digests of 10 buckets of at most 8 keys (30 bytes each); the 10 keys fetched (11 bytes
        // each) and their entries (40 bytes each); headers.
        let bound = depth * (10 * 20 + 11) + 10 * 8 * 30 + 10 * 11 + 10 * 40 + 64
        #expect(result.bytes <= bound)
        #expect(result.bytes * 100 < full)
    }

    @Test("hybrid logical clocks never go backwards and order after what they observe")
    func hybridLogicalClock() {
        var clock = Replication.HybridLogicalClock(node: 1)
        let first = clock.now(wallMilliseconds: 1_000)
        let second = clock.now(wallMilliseconds: 999)
        #expect(second > first)
        clock.observe(Replication.Timestamp(milliseconds: 5_000, logical: 3, node: 2), wallMilliseconds: 1_001)
        let third = clock.now(wallMilliseconds: 1_002)
        #expect(third > Replication.Timestamp(milliseconds: 5_000, logical: 3, node: 2))
    }

    @Test("version vectors detect concurrent writes; the register keeps both until a write that saw them")
    func siblings() {
        var register = Replication.SiblingRegister<Int>()
        register.write(100, by: "mumbai", context: register.context)
        var delhi = register
        let context = register.context
        register.write(95, by: "mumbai", context: context)
        delhi.write(99, by: "delhi", context: context)
        #expect(register.versions.first!.vector.compare(to: delhi.versions.first!.vector) == .concurrent)
        register.merge(delhi)
        #expect(register.hasConflict)
        #expect(Set(register.versions.map(\.value)) == [95, 99])
        register.write(95, by: "chennai", context: register.context)
        #expect(!register.hasConflict)
        #expect(register.versions.map(\.value) == [95])
    }

    @Test("siblings resolved by the same rule in two places give one and the same version")
    func resolutionsAgree() {
        var mumbai = Replication.SiblingRegister<Int>()
        var delhi = Replication.SiblingRegister<Int>()
        mumbai.write(120, by: "mumbai", context: mumbai.context)
        delhi.write(110, by: "delhi", context: delhi.context)
        var left = mumbai
        left.merge(delhi)
        var right = delhi
        right.merge(mumbai)
        left.resolve(by: min)
        right.resolve(by: min)
        #expect(left == right)
        #expect(left.versions.map(\.value) == [110])
        left.merge(mumbai)
        #expect(!left.hasConflict)
    }
}

@Suite("The hybrid clock's skew bound")
struct ClockSkewTests {
    @Test("a remote timestamp within the bound is taken in; one further ahead is refused until the clock nears it")
    func skewBound() {
        var clock = Replication.HybridLogicalClock(node: 1)
        let wall: UInt64 = 1_000_000
        let near = Replication.Timestamp(milliseconds: wall + 59_000, node: 2)
        let far = Replication.Timestamp(milliseconds: wall + 3_600_000, node: 2)
        #expect(clock.accepts(near, wallMilliseconds: wall))
        #expect(!clock.accepts(far, wallMilliseconds: wall))
        #expect(clock.accepts(far, wallMilliseconds: wall + 3_540_000), "taken once within a minute of it")
        clock.observe(near, wallMilliseconds: wall)
        #expect(clock.now(wallMilliseconds: wall).milliseconds == near.milliseconds, "an accepted one orders after")
        clock.maximumSkewMilliseconds = 0
        #expect(!clock.accepts(Replication.Timestamp(milliseconds: wall + 1), wallMilliseconds: wall))
    }
}
