import GossipCore

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

extension SWIM {
    /// One Lifeguard suspicion: a timer that starts at the maximum timeout and shrinks toward the minimum as
    /// independent members confirm the accusation (memberlist's `suspicion`).
    ///
    /// With `k` confirmations wanted and `c` received, the timeout is
    /// `max − (ln(c + 1) / ln(k + 1)) × (max − min)`, floored to the millisecond and never below `min`.
    public struct Suspicion: Hashable, Sendable {
        /// Confirmations that bring the timeout down to the minimum.
        public let confirmationsWanted: Int
        /// The shortest the suspicion can last.
        public let minimumTimeout: Duration
        /// How long it lasts without confirmations.
        public let maximumTimeout: Duration
        /// When it started.
        public let start: Instant
        /// Independent confirmations so far (the first accuser does not count).
        public private(set) var confirmations: Int = 0
        /// When the suspected member is declared dead unless it refutes first.
        public private(set) var deadline: Instant
        private var accusers: Set<String>

        /// A suspicion raised by `accuser` at `start`.
        public init(
            accuser: String, confirmationsWanted: Int, minimumTimeout: Duration, maximumTimeout: Duration,
            start: Instant
        ) {
            self.confirmationsWanted = confirmationsWanted
            self.minimumTimeout = minimumTimeout
            self.maximumTimeout = maximumTimeout
            self.start = start
            self.accusers = [accuser]
            self.deadline = start + (confirmationsWanted < 1 ? minimumTimeout : maximumTimeout)
        }

        /// Records an accusation by `accuser`. Returns `true` when it is a new, independent confirmation (which
        /// the caller re-gossips); the deadline then moves earlier.
        public mutating func confirm(by accuser: String) -> Bool {
            guard confirmations < confirmationsWanted, accusers.insert(accuser).inserted else { return false }
            confirmations += 1
            deadline =
                start
                + Self.timeout(
                    confirmations: confirmations, wanted: confirmationsWanted, minimum: minimumTimeout,
                    maximum: maximumTimeout)
            return true
        }

        /// The total suspicion time after `confirmations` of `wanted` confirmations.
        public static func timeout(confirmations: Int, wanted: Int, minimum: Duration, maximum: Duration) -> Duration {
            guard wanted > 0 else { return minimum }
            let fraction = log(Double(confirmations) + 1) / log(Double(wanted) + 1)
            let raw = maximum.secondsValue - fraction * (maximum.secondsValue - minimum.secondsValue)
            let timeout = Duration.milliseconds(Int64((1000 * raw).rounded(.down)))
            return max(timeout, minimum)
        }
    }
}
