extension Replication {
    /// A hybrid logical clock timestamp (Kulkarni et al. 2014): wall-clock milliseconds, a logical counter for
    /// events within one millisecond or ahead of the local clock, and the writer's identifier to break ties. Totally
    /// ordered, and never behind any timestamp its node has seen.
    public struct Timestamp: Sendable, Hashable, Comparable, Codable, CustomStringConvertible {
        /// Milliseconds of physical time (the largest the clock has seen).
        public var milliseconds: UInt64
        /// Events within the same millisecond.
        public var logical: UInt32
        /// The writer, so that two writers never produce equal timestamps.
        public var node: UInt32

        /// A timestamp.
        public init(milliseconds: UInt64, logical: UInt32 = 0, node: UInt32 = 0) {
            self.milliseconds = milliseconds
            self.logical = logical
            self.node = node
        }

        /// The smallest timestamp.
        public static let zero = Timestamp(milliseconds: 0)

        public static func < (lhs: Timestamp, rhs: Timestamp) -> Bool {
            (lhs.milliseconds, lhs.logical, lhs.node) < (rhs.milliseconds, rhs.logical, rhs.node)
        }

        /// `1700000000123.4@7`.
        public var description: String { "\(milliseconds).\(logical)@\(node)" }
    }

    /// A node's hybrid logical clock.
    public struct HybridLogicalClock: Sendable, Hashable, Codable {
        /// The node this clock stamps for.
        public let node: UInt32
        /// The latest timestamp issued or seen.
        public private(set) var latest: Timestamp

        /// A clock for `node`.
        public init(node: UInt32) {
            self.node = node
            self.latest = Timestamp(milliseconds: 0, node: node)
        }

        /// A timestamp for a local event at wall time `wallMilliseconds`.
        public mutating func now(wallMilliseconds: UInt64) -> Timestamp {
            if wallMilliseconds > latest.milliseconds {
                latest = Timestamp(milliseconds: wallMilliseconds, logical: 0, node: node)
            } else {
                latest = Timestamp(milliseconds: latest.milliseconds, logical: latest.logical &+ 1, node: node)
            }
            return latest
        }

        /// The most, in milliseconds, that a remote timestamp may be ahead of this node's wall clock and still be
        /// taken in: 60,000 (one minute). CockroachDB bounds its clocks' offset the same way (at 500 ms, stopping a
        /// node that exceeds it); with no one to stop a node here, the bound is one that NTP drift never reaches.
        ///
        /// Without a bound, one node whose clock was stepped ahead stamps writes that beat every other write until
        /// real time catches up, and drags every clock that observes them ahead with it. With it, an entry stamped
        /// further ahead is refused (``accepts(_:wallMilliseconds:)``) and taken only once the receiver's wall clock
        /// comes within the bound, so a clock error of more than a minute delays that node's writes instead of
        /// letting them overwrite the cluster's newer ones.
        public var maximumSkewMilliseconds: UInt64 = 60_000

        /// Whether `remote` is within ``maximumSkewMilliseconds`` of wall time `wallMilliseconds`.
        public func accepts(_ remote: Timestamp, wallMilliseconds: UInt64) -> Bool {
            remote.milliseconds <= wallMilliseconds &+ maximumSkewMilliseconds
        }

        /// Takes in a remote timestamp (on receipt of a message), so that later local events order after it.
        /// Callers check ``accepts(_:wallMilliseconds:)`` first.
        public mutating func observe(_ remote: Timestamp, wallMilliseconds: UInt64) {
            let top = max(wallMilliseconds, latest.milliseconds, remote.milliseconds)
            var logical: UInt32 = 0
            if top == latest.milliseconds && top == remote.milliseconds {
                logical = max(latest.logical, remote.logical) &+ 1
            } else if top == latest.milliseconds {
                logical = latest.logical &+ 1
            } else if top == remote.milliseconds {
                logical = remote.logical &+ 1
            }
            latest = Timestamp(milliseconds: top, logical: logical, node: node)
        }
    }
}
