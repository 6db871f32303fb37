import GossipCore
import Testing

@Suite("Seeded randomness and instants")
struct SeededRandomTests {
    @Test("the same seed gives the same sequence, another seed another")
    func determinism() {
        var a = SeededRandom(seed: 42)
        var b = SeededRandom(seed: 42)
        var c = SeededRandom(seed: 43)
        let first = (0..<16).map { _ in a.next() }
        #expect(first == (0..<16).map { _ in b.next() })
        #expect(first != (0..<16).map { _ in c.next() })
    }

    @Test("streams of one seed are independent")
    func streams() {
        var a = SeededRandom(seed: 7, stream: 0)
        var b = SeededRandom(seed: 7, stream: 1)
        #expect((0..<8).map { _ in a.next() } != (0..<8).map { _ in b.next() })
    }

    @Test("bounded draws stay in range and cover it")
    func boundedDraws() {
        var rng = SeededRandom(seed: 1)
        var seen = Set<Int>()
        for _ in 0..<2000 {
            let value = rng.nextIndex(below: 10)
            #expect((0..<10).contains(value))
            seen.insert(value)
        }
        #expect(seen.count == 10)
        let unit = (0..<1000).map { _ in rng.nextUnitDouble() }
        #expect(unit.allSatisfy { (0..<1).contains($0) })
        let hits = (0..<10_000).filter { _ in rng.nextBool(probability: 0.25) }.count
        #expect((2200...2800).contains(hits))
        #expect(rng.nextDuration(below: .zero) == .zero)
        #expect(rng.nextDuration(below: .seconds(1)) < .seconds(1))
    }

    @Test("instants add durations and print seconds with milliseconds")
    func instants() {
        let start = Instant.zero + .milliseconds(12_345)
        #expect(start.description == "12.345s")
        #expect((start - Instant.zero) == .milliseconds(12_345))
        #expect((start - .seconds(20)).description == "-7.655s")
        #expect(Duration.seconds(3).scaled(by: 1.5) == .milliseconds(4500))
    }
}

@Suite("Token bucket")
struct TokenBucketTests {
    @Test("admits a burst of its capacity, then its refill rate, and forgets nothing it has not refilled")
    func burstThenRate() {
        var bucket = TokenBucket(capacity: 4, refillPerSecond: 2, at: .zero)
        var admitted = 0
        for _ in 0..<6 where bucket.take(at: .zero) { admitted += 1 }
        #expect(admitted == 4)
        let later = Instant.zero + .milliseconds(500)
        let first = bucket.take(at: later)
        let second = bucket.take(at: later)
        #expect(first)
        #expect(!second, "half a second refills one token at 2 a second")
        #expect(!bucket.isFull(at: later))
        #expect(bucket.isFull(at: .zero + .seconds(10)))
    }
}
