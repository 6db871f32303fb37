extension Replication {
    /// A cluster-wide aggregate as one node reads it: the estimate of the last complete epoch (or of the current one
    /// before any has completed) with its error bound.
    public struct AggregateReading: Sendable, Hashable {
        /// The aggregate's name.
        public var name: String
        /// The epoch the estimate belongs to.
        public var epoch: UInt64
        /// Whether the epoch is complete (otherwise the estimate is still converging).
        public var complete: Bool
        /// The average of the values set.
        public var average: Double?
        /// The sum of the values set.
        public var sum: Double?
        /// How many members set a value.
        public var count: Double?
        /// The smallest value.
        public var minimum: Double?
        /// The largest value.
        public var maximum: Double?
        /// A bound on the average's error: the range of the estimates heard in the epoch's last rounds.
        public var errorBound: Double?
        /// Push-sum rounds this node ran in the epoch.
        public var rounds: Int
        /// Members taking part (replicating nodes, this one included).
        public var members: Int
        /// This node's own value.
        public var localValue: Double?
    }
}
