extension Serf {
    /// A Lamport clock as Serf keeps three of them (members, events, queries): stamp with ``time`` then
    /// `increment()`; ``witness(_:)`` moves the clock past a time seen in a message.
    public struct LamportClock: Sendable, Hashable {
        /// The current time. Serf's clocks start at 1.
        public private(set) var time: UInt64

        /// A clock reading `time`.
        public init(time: UInt64 = 1) {
            self.time = time
        }

        /// Moves the clock past `other` when `other` is not older (Serf's `Witness`: `t ≥ local ⇒ local = t + 1`).
        public mutating func witness(_ other: UInt64) {
            if other >= time { time = other &+ 1 }
        }

        /// Returns the current time and moves the clock on (stamp, then increment).
        public mutating func stamp() -> UInt64 {
            defer { time &+= 1 }
            return time
        }
    }
}
