extension Replication {
    /// A change to the key-value store as a node applied it: a local write, or one that arrived by rumor or
    /// anti-entropy.
    public struct KeyValueChange: Sendable, Hashable {
        /// A change.
        public init(key: String, value: [UInt8]?, timestamp: Timestamp, origin: Origin) {
            self.key = key
            self.value = value
            self.timestamp = timestamp
            self.origin = origin
        }

        /// Where a change came from.
        public enum Origin: String, Sendable, Hashable {
            /// Written on this node.
            case local
            /// Arrived in a rumor.
            case rumor
            /// Arrived in an anti-entropy exchange.
            case antiEntropy = "anti-entropy"
        }

        /// The key (for a counter, the counter's name).
        public var key: String
        /// The new value, or `nil` for a deletion. For a counter, its decimal value.
        public var value: [UInt8]?
        /// The winning write's timestamp.
        public var timestamp: Timestamp
        /// Where it came from.
        public var origin: Origin
    }

    /// Why the store refused a request.
    public struct StoreError: Error, Hashable, Sendable, CustomStringConvertible {
        /// A sentence for the command line.
        public var description: String

        /// An error saying `description`.
        public init(_ description: String) { self.description = description }
    }
}
