import GossipCore

extension Serf {
    /// Serf's network-coordinate client (Vivaldi, Dabek et al., SIGCOMM 2004, with the height, adjustment and
    /// gravity terms of Ledlie et al.'s "Network Coordinates in the Wild"), as a pure value: each completed direct
    /// probe of a peer that sent its coordinate moves this node's coordinate, and the distance between two
    /// coordinates estimates their round-trip time.
    ///
    /// The arithmetic follows Serf's `coordinate` package step for step (the same operations in the same order,
    /// distances rounded to whole nanoseconds where Serf's are), so the same observations give the same
    /// coordinate to the last bit; the tests check it against vectors recorded from Serf's own code. The one
    /// random step, a direction when two coordinates coincide, draws from the generator passed in.
    public struct VivaldiClient: Sendable {
        /// The model's constants, Serf's defaults unless changed.
        public struct Configuration: Sendable, Hashable {
            /// Dimensions of the Euclidean part. Default: 8.
            public var dimensionality = 8
            /// The largest error, and a new coordinate's. Default: 1.5.
            public var vivaldiErrorMax = 1.5
            /// How fast the error estimate follows new observations (cₑ). Default: 0.25.
            public var vivaldiCE = 0.25
            /// How far one observation moves the coordinate (c_c). Default: 0.25.
            public var vivaldiCC = 0.25
            /// Samples averaged into the adjustment term (0 turns it off). Default: 20.
            public var adjustmentWindowSize = 20
            /// The smallest height, in seconds. Default: 10 µs.
            public var heightMin = 10.0e-6
            /// Round-trip times per peer whose median is used. Default: 3.
            public var latencyFilterSize = 3
            /// How strongly coordinates are pulled back to the origin (ρ, in seconds). Default: 150.
            public var gravityRho = 150.0

            /// Serf's defaults.
            public init() {}
        }

        /// Why an observation was not used.
        public enum Rejection: Error, Hashable, Sendable, CustomStringConvertible {
            /// The peer's coordinate has another number of dimensions.
            case dimensionalityConflict
            /// The peer's coordinate has a NaN or infinite component.
            case invalidCoordinate
            /// The round-trip time is negative or above 10 s.
            case roundTripOutOfRange(Duration)

            /// A sentence for logs.
            public var description: String {
                switch self {
                case .dimensionalityConflict: return "dimensions aren't compatible"
                case .invalidCoordinate: return "coordinate is invalid"
                case .roundTripOutOfRange(let rtt): return "round trip time \(rtt) is not within 0 and 10 s"
                }
            }
        }

        /// The model's constants.
        public let configuration: Configuration
        /// This node's coordinate now.
        public private(set) var coordinate: SerfCoordinate
        /// Times the coordinate became invalid and was reset to the origin.
        public private(set) var resets = 0
        private let origin: SerfCoordinate
        private var adjustmentIndex = 0
        private var adjustmentSamples: [Double]
        private var latencySamples: [String: [Double]] = [:]

        /// The longest round-trip time taken: 10 s.
        public static let maximumRoundTrip = Duration.seconds(10)
        static let zeroThreshold = 1.0e-6

        /// A client at the origin.
        public init(configuration: Configuration = Configuration()) {
            precondition(configuration.dimensionality > 0, "a coordinate needs at least one dimension")
            self.configuration = configuration
            coordinate = Self.fresh(configuration)
            origin = Self.fresh(configuration)
            adjustmentSamples = Array(repeating: 0, count: configuration.adjustmentWindowSize)
        }

        static func fresh(_ configuration: Configuration) -> SerfCoordinate {
            SerfCoordinate(
                vector: Array(repeating: 0, count: configuration.dimensionality),
                error: configuration.vivaldiErrorMax, adjustment: 0, height: configuration.heightMin)
        }

        /// Replaces the coordinate (one restored from elsewhere); refused when incompatible or invalid.
        public mutating func setCoordinate(_ new: SerfCoordinate) throws(Rejection) {
            try check(new)
            coordinate = new
        }

        /// Forgets the round-trip times kept for `node` (a member that left).
        public mutating func forget(_ node: String) {
            latencySamples[node] = nil
        }

        /// The estimated round-trip time from this node to a node at `other`.
        public func distance(to other: SerfCoordinate) -> Duration {
            .nanoseconds(Self.distanceNanoseconds(coordinate, other))
        }

        /// Takes one observation: `node`, at `other`, answered a direct probe in `roundTrip`. Returns the new
        /// coordinate, or throws (leaving everything as it was) when the observation cannot be used.
        @discardableResult
        public mutating func update(
            node: String, other: SerfCoordinate, roundTrip: Duration, using rng: inout some RandomNumberGenerator
        ) throws(Rejection) -> SerfCoordinate {
            try check(other)
            guard roundTrip >= .zero, roundTrip <= Self.maximumRoundTrip else {
                throw .roundTripOutOfRange(roundTrip)
            }
            let rtt = latencyFilter(node, Self.seconds(nanoseconds: roundTrip.nanoseconds))
            updateVivaldi(other, rtt, using: &rng)
            updateAdjustment(other, rtt)
            updateGravity(using: &rng)
            if !Self.isValid(coordinate) {
                resets += 1
                coordinate = Self.fresh(configuration)
            }
            return coordinate
        }

        private func check(_ other: SerfCoordinate) throws(Rejection) {
            guard other.vector.count == coordinate.vector.count else { throw .dimensionalityConflict }
            guard Self.isValid(other) else { throw .invalidCoordinate }
        }

        /// Whether every component of `coordinate` is finite.
        public static func isValid(_ coordinate: SerfCoordinate) -> Bool {
            coordinate.vector.allSatisfy(\.isFinite) && coordinate.error.isFinite && coordinate.adjustment.isFinite
                && coordinate.height.isFinite
        }

        // MARK: - The steps, as Serf takes them

        private mutating func latencyFilter(_ node: String, _ rtt: Double) -> Double {
            let size = configuration.latencyFilterSize
            return latencySamples[node, default: []].withMedian(appending: rtt, keeping: size)
        }

        private mutating func updateVivaldi(
            _ other: SerfCoordinate, _ measured: Double, using rng: inout some RandomNumberGenerator
        ) {
            let dist = Self.seconds(nanoseconds: Self.distanceNanoseconds(coordinate, other))
            let rtt = max(measured, Self.zeroThreshold)
            let wrongness = abs(dist - rtt) / rtt
            var totalError = coordinate.error + other.error
            if totalError < Self.zeroThreshold { totalError = Self.zeroThreshold }
            let weight = coordinate.error / totalError
            coordinate.error =
                configuration.vivaldiCE * weight * wrongness + coordinate.error
                * (1.0 - configuration.vivaldiCE * weight)
            if coordinate.error > configuration.vivaldiErrorMax { coordinate.error = configuration.vivaldiErrorMax }
            let delta = configuration.vivaldiCC * weight
            let force = delta * (rtt - dist)
            applyForce(force, from: other, using: &rng)
        }

        private mutating func updateAdjustment(_ other: SerfCoordinate, _ rtt: Double) {
            guard configuration.adjustmentWindowSize > 0 else { return }
            let dist = Self.rawDistance(coordinate, other)
            adjustmentSamples[adjustmentIndex] = rtt - dist
            adjustmentIndex = (adjustmentIndex + 1) % configuration.adjustmentWindowSize
            var sum = 0.0
            for sample in adjustmentSamples { sum += sample }
            coordinate.adjustment = sum / (2.0 * Double(configuration.adjustmentWindowSize))
        }

        private mutating func updateGravity(using rng: inout some RandomNumberGenerator) {
            let dist = Self.seconds(nanoseconds: Self.distanceNanoseconds(origin, coordinate))
            let ratio = dist / configuration.gravityRho
            let force = -1.0 * (ratio * ratio)
            applyForce(force, from: origin, using: &rng)
        }

        /// Moves the coordinate by `force` along the unit vector from `other` to it (Serf's `ApplyForce`), in
        /// place: the unit vector's components are computed as Serf computes them, one at a time.
        private mutating func applyForce(
            _ force: Double, from other: SerfCoordinate, using rng: inout some RandomNumberGenerator
        ) {
            let exact = Self.differenceMagnitude(coordinate.vector, other.vector)
            guard exact > Self.zeroThreshold else {
                applyForceInRandomDirection(force, using: &rng)
                return
            }
            let scale = 1.0 / exact
            coordinate.vector.withUnsafeMutableBufferPointer { vector in
                other.vector.withUnsafeBufferPointer { theirs in
                    for index in vector.indices { vector[index] += (vector[index] - theirs[index]) * scale * force }
                }
            }
            let height = (coordinate.height + other.height) * force / exact + coordinate.height
            coordinate.height = Self.goMax(height, configuration.heightMin)
        }

        /// Two coordinates that coincide: a random direction, as Serf draws one, and the height left alone.
        private mutating func applyForceInRandomDirection(_ force: Double, using rng: inout some RandomNumberGenerator)
        {
            let dimensions = coordinate.vector.count
            var unit = (0..<dimensions).map { _ in Double.random(in: 0..<1, using: &rng) - 0.5 }
            let length = Self.magnitude(unit)
            if length > Self.zeroThreshold {
                let scale = 1.0 / length
                for index in 0..<dimensions { unit[index] *= scale }
            } else {
                unit = [Double](repeating: 0, count: dimensions)
                unit[0] = 1.0
            }
            for index in 0..<dimensions { coordinate.vector[index] += unit[index] * force }
        }

        // MARK: - Arithmetic as Go does it

        static func magnitude(_ vector: [Double]) -> Double {
            var sum = 0.0
            for value in vector { sum += value * value }
            return sum.squareRoot()
        }

        static func rawDistance(_ a: SerfCoordinate, _ b: SerfCoordinate) -> Double {
            differenceMagnitude(a.vector, b.vector) + a.height + b.height
        }

        /// |a − b|, summed in order as Serf's `magnitude(diff(a, b))`.
        static func differenceMagnitude(_ a: [Double], _ b: [Double]) -> Double {
            a.withUnsafeBufferPointer { a in
                b.withUnsafeBufferPointer { b in
                    var sum = 0.0
                    for index in a.indices {
                        let difference = a[index] - b[index]
                        sum += difference * difference
                    }
                    return sum.squareRoot()
                }
            }
        }

        /// Serf's `DistanceTo`: the raw distance, adjusted when that stays positive, as whole nanoseconds.
        static func distanceNanoseconds(_ a: SerfCoordinate, _ b: SerfCoordinate) -> Int64 {
            var distance = rawDistance(a, b)
            let adjusted = distance + a.adjustment + b.adjustment
            if adjusted > 0.0 { distance = adjusted }
            return goInt64(distance * 1.0e9)
        }

        /// Go's conversion of a float64 to int64 on amd64: truncation, and the smallest int64 for what does not
        /// fit (NaN included), where Swift would trap.
        static func goInt64(_ value: Double) -> Int64 {
            guard value > -9.223_372_036_854_775_808e18, value < 9.223_372_036_854_775_808e18 else { return .min }
            return Int64(value)
        }

        /// Go's `time.Duration.Seconds()`: whole seconds and the rest, added as floats.
        static func seconds(nanoseconds: Int64) -> Double {
            let whole = nanoseconds / 1_000_000_000
            let rest = nanoseconds % 1_000_000_000
            return Double(whole) + Double(rest) / 1e9
        }

        /// Go's `math.Max`: NaN when either is.
        static func goMax(_ a: Double, _ b: Double) -> Double {
            if a.isNaN || b.isNaN { return .nan }
            return a > b ? a : b
        }
    }
}

extension Array where Element == Double {
    /// Appends `sample`, keeps the newest `size`, and returns the median (the upper one of an even count), as
    /// Serf's latency filter does, without sorting a copy for the usual three.
    mutating func withMedian(appending sample: Double, keeping size: Int) -> Double {
        append(sample)
        if count > size { removeFirst() }
        switch count {
        case 1: return self[0]
        case 2: return Swift.max(self[0], self[1])
        case 3:
            let (a, b, c) = (self[0], self[1], self[2])
            return Swift.max(Swift.min(a, b), Swift.min(Swift.max(a, b), c))
        default:
            let sorted = self.sorted()
            return sorted[sorted.count / 2]
        }
    }
}
