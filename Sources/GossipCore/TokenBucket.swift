/// A token bucket: up to ``capacity`` tokens, refilled at ``refillPerSecond``; each admitted action takes one.
///
/// A value with no clock of its own: the caller passes the instant of each attempt, so it runs the same in real
/// and in virtual time.
public struct TokenBucket: Sendable, Hashable {
    /// The most tokens the bucket holds: the largest burst it admits.
    public var capacity: Double
    /// Tokens added per second, up to ``capacity``: the sustained rate it admits.
    public var refillPerSecond: Double
    /// Tokens left at ``updated``.
    public private(set) var tokens: Double
    /// When ``tokens`` was last brought up to date.
    public private(set) var updated: Instant

    /// A full bucket at `instant`.
    public init(capacity: Double, refillPerSecond: Double, at instant: Instant) {
        self.capacity = capacity
        self.refillPerSecond = refillPerSecond
        tokens = capacity
        updated = instant
    }

    /// Takes a token if one is left at `instant`; returns whether it did.
    public mutating func take(at instant: Instant) -> Bool {
        refill(to: instant)
        guard tokens >= 1 else { return false }
        tokens -= 1
        return true
    }

    /// Whether the bucket is full at `instant` (its owner has been idle long enough to forget it).
    public func isFull(at instant: Instant) -> Bool {
        var copy = self
        copy.refill(to: instant)
        return copy.tokens >= capacity
    }

    private mutating func refill(to instant: Instant) {
        guard instant > updated else { return }
        tokens = min(capacity, tokens + (instant - updated).secondsValue * refillPerSecond)
        updated = instant
    }
}
