import Foundation

/// A Bloom filter over 64-bit keys (message identifiers): "have I seen this?" with no false negatives and a
/// false-positive rate of about `(1 - e^(-k·n/m))^k` after `n` insertions into `m` bits with `k` hash functions.
///
/// Gossip uses it to suppress duplicates: a node that has (probably) seen a message does not forward it again.
/// A false positive costs a forward that should have happened; the simulator measures how often.
public struct BloomFilter: Sendable, Hashable {
    @usableFromInline var words: [UInt64]
    /// The number of bits, a multiple of 64.
    public let bitCount: Int
    /// The number of hash functions.
    public let hashCount: Int
    /// Keys inserted so far (counting repeats that changed no bit as well).
    public var insertions: Int { insertionCount }
    @usableFromInline var insertionCount = 0

    /// A filter of at least `bitCount` bits (rounded up to a multiple of 64) and `hashCount` hash functions.
    public init(bitCount: Int, hashCount: Int) {
        precondition(bitCount > 0 && hashCount > 0, "a Bloom filter needs bits and hash functions")
        let wordCount = (bitCount + 63) / 64
        self.words = Array(repeating: 0, count: wordCount)
        self.bitCount = wordCount * 64
        self.hashCount = hashCount
    }

    /// A filter sized for `expectedKeys` keys at `falsePositiveRate`: m = −n·ln p / (ln 2)², k = (m/n)·ln 2.
    public init(expectedKeys: Int, falsePositiveRate: Double) {
        precondition(expectedKeys > 0, "a Bloom filter needs a positive number of expected keys")
        precondition(falsePositiveRate > 0 && falsePositiveRate < 1, "a false-positive rate lies in (0, 1)")
        let bits = (-Double(expectedKeys) * log(falsePositiveRate) / (log(2) * log(2))).rounded(.up)
        let hashes = max(1, Int((bits / Double(expectedKeys) * log(2)).rounded()))
        self.init(bitCount: max(64, Int(bits)), hashCount: hashes)
    }

    /// The theoretical false-positive rate after `insertions` distinct keys: `(1 - e^(-k·n/m))^k`.
    public func expectedFalsePositiveRate(afterInsertions insertions: Int) -> Double {
        let k = Double(hashCount)
        return pow(1 - exp(-k * Double(insertions) / Double(bitCount)), k)
    }

    /// The share of bits set.
    public var fillRatio: Double {
        Double(words.reduce(0) { $0 + $1.nonzeroBitCount }) / Double(bitCount)
    }

    /// The false-positive rate of this filter as it stands, for a key it never saw: `fillRatio^k`.
    public var currentFalsePositiveRate: Double { pow(fillRatio, Double(hashCount)) }

    /// Adds a key; returns whether it was (probably) present already.
    @discardableResult
    @inlinable
    public mutating func insert(_ key: UInt64) -> Bool {
        var present = true
        var (h1, h2) = Self.hashes(key)
        for round in 0..<hashCount {
            let bit = Int(h1 % UInt64(bitCount))
            let mask: UInt64 = 1 << UInt64(bit & 63)
            if words[bit >> 6] & mask == 0 {
                present = false
                words[bit >> 6] |= mask
            }
            h1 &+= h2
            h2 &+= UInt64(round)
        }
        insertionCount += 1
        return present
    }

    /// Whether the key is (probably) present: `false` is certain, `true` may be a false positive.
    @inlinable
    public func contains(_ key: UInt64) -> Bool {
        var (h1, h2) = Self.hashes(key)
        for round in 0..<hashCount {
            let bit = Int(h1 % UInt64(bitCount))
            if words[bit >> 6] & (1 << UInt64(bit & 63)) == 0 { return false }
            h1 &+= h2
            h2 &+= UInt64(round)
        }
        return true
    }

    /// Forgets every key.
    public mutating func removeAll() {
        for index in words.indices { words[index] = 0 }
        insertionCount = 0
    }

    /// Two independent 64-bit hashes of a key (SplitMix64 finalisers), for enhanced double hashing (Dillinger and
    /// Manolios): position i is h1 + i·h2 + (i³ − i)/6, which avoids the repeated patterns of plain h1 + i·h2.
    @inlinable
    public static func hashes(_ key: UInt64) -> (UInt64, UInt64) {
        func mix(_ value: UInt64) -> UInt64 {
            var z = value &+ 0x9E37_79B9_7F4A_7C15
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        let first = mix(key)
        return (first, mix(first ^ 0x5851_F42D_4C95_7F2D) | 1)
    }
}

/// Many Bloom filters of one size in one contiguous block: a filter per node for a simulation of millions of
/// nodes, without an allocation per node. Filter `i` hashes exactly as a ``BloomFilter`` of the same size does.
public struct BloomFilterBank: Sendable {
    @usableFromInline var words: [UInt64]
    @usableFromInline var insertionCounts: [UInt32]
    /// Bits per filter, a multiple of 64.
    public let bitCount: Int
    /// Hash functions per filter.
    public let hashCount: Int
    @usableFromInline let wordsPerFilter: Int

    /// `count` empty filters of at least `bitCount` bits and `hashCount` hash functions each.
    public init(count: Int, bitCount: Int, hashCount: Int) {
        precondition(count >= 0 && bitCount > 0 && hashCount > 0, "a filter bank needs bits and hash functions")
        wordsPerFilter = (bitCount + 63) / 64
        self.bitCount = wordsPerFilter * 64
        self.hashCount = hashCount
        words = Array(repeating: 0, count: count * wordsPerFilter)
        insertionCounts = Array(repeating: 0, count: count)
    }

    /// Adds `key` to filter `filter`.
    @inlinable
    public mutating func insert(_ key: UInt64, into filter: Int) {
        var (h1, h2) = BloomFilter.hashes(key)
        let base = filter * wordsPerFilter
        for round in 0..<hashCount {
            let bit = Int(h1 % UInt64(bitCount))
            words[base + bit >> 6] |= 1 << UInt64(bit & 63)
            h1 &+= h2
            h2 &+= UInt64(round)
        }
        insertionCounts[filter] &+= 1
    }

    /// Whether filter `filter` (probably) holds `key`.
    @inlinable
    public func contains(_ key: UInt64, in filter: Int) -> Bool {
        var (h1, h2) = BloomFilter.hashes(key)
        let base = filter * wordsPerFilter
        for round in 0..<hashCount {
            let bit = Int(h1 % UInt64(bitCount))
            if words[base + bit >> 6] & (1 << UInt64(bit & 63)) == 0 { return false }
            h1 &+= h2
            h2 &+= UInt64(round)
        }
        return true
    }

    /// The false-positive rate of filter `filter` as it stands, for a key it never saw: (bits set / m)^k.
    public func currentFalsePositiveRate(of filter: Int) -> Double {
        let base = filter * wordsPerFilter
        var set = 0
        for index in base..<(base + wordsPerFilter) { set += words[index].nonzeroBitCount }
        return pow(Double(set) / Double(bitCount), Double(hashCount))
    }

    /// Keys inserted into filter `filter`.
    public func insertions(of filter: Int) -> Int { Int(insertionCounts[filter]) }

    /// The formula's false-positive rate of filter `filter`: `(1 − e^(−k·n/m))^k`.
    public func expectedFalsePositiveRate(of filter: Int) -> Double {
        let k = Double(hashCount)
        return pow(1 - exp(-k * Double(insertionCounts[filter]) / Double(bitCount)), k)
    }
}
