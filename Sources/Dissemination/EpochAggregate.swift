extension Dissemination {
    /// One named cluster-wide aggregate computed by push-sum in epochs, as a real node runs it: every round a node
    /// keeps half of its mass and sends half to one random peer; at each new epoch every node starts again from
    /// its own value, so the estimate follows values that change and members that come and go. The epoch number
    /// comes from the caller (wall time divided by the epoch length), so nodes agree on it without talking.
    ///
    /// Per epoch it estimates the average of the values set (push-sum of `(value, 1)` at the nodes that hold a
    /// value, `(0, 0)` elsewhere), the fraction of nodes that hold one (push-sum of `(1 or 0, 1)`), and the
    /// minimum and maximum (extreme gossip). The count is the fraction times the number of members, the sum the
    /// count times the average.
    ///
    /// Error bound: push-sum keeps the total mass, so the true average is a weighted mean of all nodes' current
    /// estimates and lies between the smallest and the largest of them. ``Estimate/spread`` is the range of the
    /// estimates this node heard in the last shares it received, its own included; once the epoch has run the
    /// O(log n + log 1/ε) rounds push-sum needs, it bounds this node's error. Lost datagrams lose mass and are not
    /// covered by the bound.
    public struct EpochAggregate: Sendable, Hashable {
        /// The mass one node sends another in a round.
        public struct Share: Sendable, Hashable {
            /// The epoch the mass belongs to.
            public var epoch: UInt64
            /// Half the sender's value mass.
            public var value: PushSum.Share
            /// Half the sender's presence mass.
            public var presence: PushSum.Share
            /// The smallest value the sender has heard (`+infinity` if none).
            public var minimum: Double
            /// The largest value the sender has heard (`-infinity` if none).
            public var maximum: Double

            /// A share.
            public init(
                epoch: UInt64, value: PushSum.Share, presence: PushSum.Share, minimum: Double, maximum: Double
            ) {
                self.epoch = epoch
                self.value = value
                self.presence = presence
                self.minimum = minimum
                self.maximum = maximum
            }
        }

        /// What a node knows of the aggregate.
        public struct Estimate: Sendable, Hashable {
            /// The epoch it belongs to.
            public var epoch: UInt64
            /// The average of the values set, or `nil` if this node has heard of none.
            public var average: Double?
            /// The fraction of nodes that hold a value.
            public var fraction: Double?
            /// The smallest value heard.
            public var minimum: Double?
            /// The largest value heard.
            public var maximum: Double?
            /// The range of the average's estimates heard lately (this node's included): a bound on its error
            /// once the epoch has converged.
            public var spread: Double?
            /// Rounds this node ran in the epoch.
            public var rounds: Int

            /// The number of nodes holding a value, given the number of members taking part.
            public func count(members: Int) -> Double? { fraction.map { ($0 * Double(members)).rounded() } }

            /// The sum of the values, given the number of members taking part.
            public func sum(members: Int) -> Double? {
                guard let average, let count = count(members: members) else { return nil }
                return average * count
            }
        }

        /// This node's own value, or `nil` if it has none (it still relays mass).
        public private(set) var localValue: Double?
        /// The current epoch.
        public private(set) var epoch: UInt64
        /// The estimate at the end of the last complete epoch.
        public private(set) var lastEstimate: Estimate?
        private var value: PushSum
        private var presence: PushSum
        private var minimum = Double.infinity
        private var maximum = -Double.infinity
        private var heard: [Double] = []
        private var rounds = 0

        /// Estimates of the average kept for ``Estimate/spread``.
        public static let heardKept = 16

        /// An aggregate in `epoch`, holding `localValue`.
        public init(epoch: UInt64, localValue: Double?) {
            self.epoch = epoch
            self.localValue = localValue
            value = PushSum(value: 0, weight: 0)
            presence = PushSum(value: 0, weight: 0)
            restart()
        }

        /// Sets (or clears) this node's value; it counts from the next epoch on (and at once for min and max).
        public mutating func setLocalValue(_ newValue: Double?) {
            localValue = newValue
            if let newValue {
                minimum = Swift.min(minimum, newValue)
                maximum = Swift.max(maximum, newValue)
            }
        }

        /// Moves to `newEpoch` if it is later: the finished epoch's estimate is kept and every mass restarts from
        /// this node's own value.
        public mutating func advance(to newEpoch: UInt64) {
            guard newEpoch > epoch else { return }
            // After a gap (no round ran in the epoch before), the old estimate is too stale to keep.
            lastEstimate = newEpoch == epoch + 1 ? current : nil
            epoch = newEpoch
            restart()
        }

        /// One round: keeps half of the mass and returns the other half for one random peer.
        public mutating func split() -> Share {
            rounds += 1
            return Share(
                epoch: epoch, value: value.split(), presence: presence.split(), minimum: minimum, maximum: maximum)
        }

        /// Adds a share from a peer: one of a later epoch moves this node there first; one of an earlier epoch
        /// is dropped (that epoch is over here). Returns whether it was taken.
        @discardableResult
        public mutating func absorb(_ share: Share) -> Bool {
            advance(to: share.epoch)
            guard share.epoch == epoch else { return false }
            value.absorb(share.value)
            presence.absorb(share.presence)
            minimum = Swift.min(minimum, share.minimum)
            maximum = Swift.max(maximum, share.maximum)
            if share.value.weight > 0 { remember(share.value.sum / share.value.weight) }
            return true
        }

        /// The estimate now, in the current epoch.
        public var current: Estimate {
            let average = value.estimate
            var range = heard
            if let average { range.append(average) }
            return Estimate(
                epoch: epoch, average: average, fraction: presence.estimate,
                minimum: minimum.isFinite ? minimum : nil, maximum: maximum.isFinite ? maximum : nil,
                spread: range.isEmpty ? nil : (range.max()! - range.min()!), rounds: rounds)
        }

        private mutating func restart() {
            value = PushSum(value: localValue ?? 0, weight: localValue == nil ? 0 : 1)
            presence = PushSum(value: localValue == nil ? 0 : 1, weight: 1)
            minimum = localValue ?? .infinity
            maximum = localValue ?? -.infinity
            heard = []
            rounds = 0
        }

        private mutating func remember(_ estimate: Double) {
            heard.append(estimate)
            if heard.count > Self.heardKept { heard.removeFirst(heard.count - Self.heardKept) }
        }
    }
}
