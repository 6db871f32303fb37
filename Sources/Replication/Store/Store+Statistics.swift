extension Replication.Store {
    /// Counters of a store's replication: what the store holds and what rumors and anti-entropy moved.
    public struct Statistics: Sendable, Hashable {
        /// Keys held, deleted ones (tombstones) and counter slots included.
        public var keys = 0
        /// Records in the log file, superseded ones included (0 without a data directory).
        public var logRecords = 0
        /// Bytes of the log file.
        public var logBytes = 0
        /// Updates still being spread by rumor.
        public var pendingRumors = 0
        /// Rumor datagrams sent.
        public var rumorsSent = 0
        /// Entries that arrived in rumors and were newer than ours.
        public var rumorEntriesApplied = 0
        /// Digests this node sent (one per anti-entropy round).
        public var digestsSent = 0
        /// Digests from peers whose replica differed from this one's (each starts an exchange unless one runs).
        public var digestsDiffering = 0
        /// Anti-entropy exchanges this node started that completed.
        public var exchangesCompleted = 0
        /// Anti-entropy exchanges this node started that failed (peer unreachable, refused, malformed reply).
        public var exchangesFailed = 0
        /// Entries fetched by this node's exchanges.
        public var entriesFetched = 0
        /// Entries pushed by this node's exchanges.
        public var entriesPushed = 0
        /// Anti-entropy requests this node answered.
        public var requestsAnswered = 0
        /// Entries from peers refused because their timestamp was further ahead of this node's clock than the skew
        /// bound (``Replication/HybridLogicalClock/maximumSkewMilliseconds``); they are taken later, once within it.
        public var futureEntriesRefused = 0
        /// Replication messages that did not decode or were refused (counted, never applied).
        public var malformedMessages = 0
        /// Batches the shell failed to make durable (a full disk, an I/O error): their writes were refused, and
        /// entries from peers in them are taken again when offered again.
        public var persistFailures = 0

        /// Zeroed counters.
        public init() {}
    }
}
