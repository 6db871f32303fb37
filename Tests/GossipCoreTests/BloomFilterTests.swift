import GossipCore
import Testing

@Suite("Bloom filter")
struct BloomFilterTests {
    @Test("no false negatives, and a false-positive rate near (1 - e^(-kn/m))^k")
    func falsePositiveRate() {
        var filter = BloomFilter(expectedKeys: 10_000, falsePositiveRate: 0.01)
        for key in 0..<UInt64(10_000) { filter.insert(key &* 2_654_435_761) }
        for key in 0..<UInt64(10_000) { #expect(filter.contains(key &* 2_654_435_761)) }
        var positives = 0
        for key in UInt64(1_000_000)..<UInt64(1_100_000) where filter.contains(key &* 2_654_435_761) {
            positives += 1
        }
        let measured = Double(positives) / 100_000
        let expected = filter.expectedFalsePositiveRate(afterInsertions: 10_000)
        #expect(abs(expected - 0.01) < 0.002)
        #expect(abs(measured - expected) < 0.003)
    }

    @Test("insert reports whether the key was already present; removeAll forgets")
    func insertAndClear() {
        var filter = BloomFilter(bitCount: 4096, hashCount: 3)
        let first = filter.insert(42)
        let second = filter.insert(42)
        #expect(!first)
        #expect(second)
        filter.removeAll()
        #expect(!filter.contains(42))
        #expect(filter.insertions == 0)
    }
}
