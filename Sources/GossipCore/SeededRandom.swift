/// A fast, seedable random number generator (xoshiro256**), seeded through SplitMix64.
///
/// Protocol values take their randomness as an `inout some RandomNumberGenerator` argument; tests and the
/// simulator pass a `SeededRandom` so that a seed replays a run exactly, the real node passes
/// `SystemRandomNumberGenerator`.
public struct SeededRandom: RandomNumberGenerator, Sendable {
    @usableFromInline var s0: UInt64
    @usableFromInline var s1: UInt64
    @usableFromInline var s2: UInt64
    @usableFromInline var s3: UInt64

    /// Creates a generator whose whole output is determined by `seed`.
    public init(seed: UInt64) {
        var splitMix = seed
        func next() -> UInt64 {
            splitMix &+= 0x9E37_79B9_7F4A_7C15
            var z = splitMix
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        s0 = next()
        s1 = next()
        s2 = next()
        s3 = next()
    }

    /// A generator for stream `index` of `seed`: independent streams for independent actors (one per node),
    /// so that what one node draws never shifts what another draws.
    public init(seed: UInt64, stream index: UInt64) {
        self.init(seed: seed ^ (index &* 0xD1B5_4A32_D192_ED03) &+ index)
    }

    /// The next 64 random bits.
    @inlinable
    public mutating func next() -> UInt64 {
        let result = ((s1 &* 5) << 7 | (s1 &* 5) >> 57) &* 9
        let t = s1 << 17
        s2 ^= s0
        s3 ^= s1
        s1 ^= s2
        s0 ^= s3
        s2 ^= t
        s3 = (s3 << 45) | (s3 >> 19)
        return result
    }
}

extension RandomNumberGenerator {
    /// A uniformly distributed integer in `0..<upperBound` (Lemire's method); `upperBound` must be positive.
    @inlinable
    public mutating func nextIndex(below upperBound: Int) -> Int {
        precondition(upperBound > 0, "nextIndex(below:) needs a positive bound")
        let bound = UInt64(upperBound)
        var product = next().multipliedFullWidth(by: bound)
        if product.low < bound {
            let threshold = (0 &- bound) % bound
            while product.low < threshold {
                product = next().multipliedFullWidth(by: bound)
            }
        }
        return Int(product.high)
    }

    /// A uniformly distributed `Double` in `0..<1` with 53 random bits.
    @inlinable
    public mutating func nextUnitDouble() -> Double {
        Double(next() >> 11) * 0x1.0p-53
    }

    /// `true` with probability `probability` (clamped to 0...1).
    @inlinable
    public mutating func nextBool(probability: Double) -> Bool {
        if probability <= 0 { return false }
        if probability >= 1 { return true }
        return nextUnitDouble() < probability
    }

    /// A uniformly distributed duration in `0..<upperBound` (zero if the bound is not positive).
    @inlinable
    public mutating func nextDuration(below upperBound: Duration) -> Duration {
        let bound = upperBound.nanoseconds
        guard bound > 0 else { return .zero }
        return .nanoseconds(Int64(nextIndex(below: Int(bound))))
    }
}
