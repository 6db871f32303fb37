extension Replication {
    /// A counter that merges exactly (a PN-counter CRDT): each replica counts its own increments and decrements,
    /// merging takes each replica's largest count, and the value is the sum of increments minus decrements.
    /// Concurrent increments from many nodes therefore add up exactly, whatever order the merges happen in.
    public struct PNCounter: Sendable, Hashable, Codable {
        /// Increments by replica.
        public private(set) var increments: [UInt32: UInt64] = [:]
        /// Decrements by replica.
        public private(set) var decrements: [UInt32: UInt64] = [:]

        /// A counter at zero.
        public init() {}

        /// The counter's value.
        public var value: Int64 {
            Int64(truncatingIfNeeded: increments.values.reduce(0, &+))
                &- Int64(truncatingIfNeeded: decrements.values.reduce(0, &+))
        }

        /// Adds `amount` (negative to subtract) on behalf of `replica`.
        public mutating func add(_ amount: Int64, by replica: UInt32) {
            if amount >= 0 {
                increments[replica, default: 0] &+= UInt64(amount)
            } else {
                decrements[replica, default: 0] &+= amount.magnitude
            }
        }

        /// Merges another replica's counter; returns whether anything changed.
        @discardableResult
        public mutating func merge(_ other: PNCounter) -> Bool {
            var changed = false
            for (replica, count) in other.increments where count > increments[replica, default: 0] {
                increments[replica] = count
                changed = true
            }
            for (replica, count) in other.decrements where count > decrements[replica, default: 0] {
                decrements[replica] = count
                changed = true
            }
            return changed
        }
    }
}
