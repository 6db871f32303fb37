/// A point in time as the protocol sees it: nanoseconds since an arbitrary origin.
///
/// Protocol values never read a clock. The shell that drives them (the real node or the simulator) passes the
/// current `Instant` with every input, so the same code runs in wall-clock time and in virtual time. The origin is
/// the shell's choice: the simulator starts at zero, the real node at its process start.
public struct Instant: Hashable, Comparable, Sendable, CustomStringConvertible {
    /// Nanoseconds since the origin.
    public var nanoseconds: Int64

    /// Creates an instant `nanoseconds` after the origin.
    @inlinable
    public init(nanoseconds: Int64) {
        self.nanoseconds = nanoseconds
    }

    /// The origin itself.
    public static let zero = Instant(nanoseconds: 0)

    /// The instant as seconds since the origin, for printing and plotting.
    @inlinable
    public var seconds: Double { Double(nanoseconds) / 1e9 }

    @inlinable
    public static func < (lhs: Instant, rhs: Instant) -> Bool { lhs.nanoseconds < rhs.nanoseconds }

    /// The instant `duration` later.
    @inlinable
    public static func + (lhs: Instant, rhs: Duration) -> Instant {
        Instant(nanoseconds: lhs.nanoseconds &+ rhs.nanoseconds)
    }

    /// The instant `duration` earlier.
    @inlinable
    public static func - (lhs: Instant, rhs: Duration) -> Instant {
        Instant(nanoseconds: lhs.nanoseconds &- rhs.nanoseconds)
    }

    /// The time from `rhs` to `lhs`.
    @inlinable
    public static func - (lhs: Instant, rhs: Instant) -> Duration {
        .nanoseconds(lhs.nanoseconds &- rhs.nanoseconds)
    }

    /// Seconds with millisecond precision, for instance `12.345s`.
    public var description: String {
        let millis = nanoseconds / 1_000_000
        let sign = millis < 0 ? "-" : ""
        let magnitude = millis.magnitude
        let fraction = String(magnitude % 1000)
        return "\(sign)\(magnitude / 1000).\(String(repeating: "0", count: 3 - fraction.count))\(fraction)s"
    }
}

extension Duration {
    /// The duration in whole nanoseconds (truncated toward zero; saturates far beyond any protocol timeout).
    @inlinable
    public var nanoseconds: Int64 {
        let (seconds, attoseconds) = components
        return seconds &* 1_000_000_000 &+ attoseconds / 1_000_000_000
    }

    /// The duration in seconds as a floating-point number.
    @inlinable
    public var secondsValue: Double {
        let (seconds, attoseconds) = components
        return Double(seconds) + Double(attoseconds) / 1e18
    }

    /// The duration multiplied by a non-negative factor, rounded down to a whole nanosecond.
    @inlinable
    public func scaled(by factor: Double) -> Duration {
        .nanoseconds(Int64((Double(nanoseconds) * factor).rounded(.down)))
    }
}
