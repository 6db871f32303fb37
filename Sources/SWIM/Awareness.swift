extension SWIM {
    /// Lifeguard's local health score (memberlist's `awareness`): how much this node distrusts its own view.
    ///
    /// The score rises when probes fail without corroborating nacks and when the node has to refute an
    /// accusation, and falls with every successful probe. A node that is itself slow (overloaded, paused, with a
    /// bad network) so waits longer before it accuses others, which is what cuts false positives.
    public struct Awareness: Hashable, Sendable {
        /// The score's exclusive upper bound (``SWIM/Settings/awarenessMaxMultiplier``).
        public let maximumMultiplier: Int
        /// The current score, in `0..<maximumMultiplier`.
        public private(set) var score: Int = 0

        /// A healthy node (score 0) whose score stays below `maximumMultiplier`.
        public init(maximumMultiplier: Int) {
            self.maximumMultiplier = max(1, maximumMultiplier)
        }

        /// Adds `delta` to the score, clamped to `0...maximumMultiplier − 1`.
        public mutating func apply(delta: Int) {
            score = min(max(score + delta, 0), maximumMultiplier - 1)
        }

        /// `timeout × (score + 1)`.
        public func scale(_ timeout: Duration) -> Duration {
            timeout * (score + 1)
        }
    }
}
