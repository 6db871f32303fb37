extension Dissemination {
    /// Push-sum (Kempe, Dobra and Gehrke 2003): every node holds a pair (sum, weight); each round it keeps half
    /// and sends half to one random peer, and adds what it receives. Every node's `sum / weight` converges to
    /// the average of the initial values; relative error ε is reached in O(log n + log 1/ε) rounds.
    ///
    /// Sum and count come from the same protocol: for a sum, one node starts with weight 1 and the rest with 0
    /// (the estimate is then `sum / weight` = the total); for a count, that node holds value 1 and all others 0.
    public struct PushSum: Sendable, Hashable, Codable {
        /// The mass of the node's value.
        public var sum: Double
        /// The node's weight.
        public var weight: Double

        /// A node that starts with `value` and `weight` (1 for an average).
        public init(value: Double, weight: Double = 1) {
            self.sum = value * weight
            self.weight = weight
        }

        /// The node's current estimate, `sum / weight`, or `nil` while it has no weight yet.
        public var estimate: Double? { weight > 0 ? sum / weight : nil }

        /// A share of mass in flight from one node to another.
        public struct Share: Sendable, Hashable, Codable {
            /// The share of the sum.
            public var sum: Double
            /// The share of the weight.
            public var weight: Double

            /// A share of `sum` and `weight`.
            @inlinable
            public init(sum: Double, weight: Double) {
                self.sum = sum
                self.weight = weight
            }
        }

        /// Keeps half of the mass and returns the other half, to be sent to one peer.
        @inlinable
        public mutating func split() -> Share {
            sum *= 0.5
            weight *= 0.5
            return Share(sum: sum, weight: weight)
        }

        /// Adds a share received from a peer.
        @inlinable
        public mutating func absorb(_ share: Share) {
            sum += share.sum
            weight += share.weight
        }
    }

    /// Gossip of an extreme: every node keeps the smallest (or largest) value it has heard and sends it on;
    /// the extreme reaches everyone as fast as a push-pull rumor.
    public struct ExtremeGossip: Sendable, Hashable, Codable {
        /// Which extreme.
        public enum Kind: String, Sendable, Hashable, Codable {
            /// The minimum.
            case minimum
            /// The maximum.
            case maximum
        }

        /// Which extreme this node tracks.
        public var kind: Kind
        /// The extreme heard so far.
        public private(set) var value: Double

        /// A node that starts with its own value.
        public init(_ kind: Kind, value: Double) {
            self.kind = kind
            self.value = value
        }

        /// Merges a peer's value; returns whether ours changed.
        @discardableResult
        public mutating func merge(_ other: Double) -> Bool {
            let better = kind == .minimum ? other < value : other > value
            if better { value = other }
            return better
        }
    }
}
