extension Replication.Store {
    /// How a node replicates its key-value store and computes aggregates with the other swift-gossip nodes of the
    /// cluster. Serf agents take no part: they are never sent these messages.
    ///
    /// The store itself reads every field but ``dataDirectory``, which tells the shell where to keep the log.
    public struct Configuration: Sendable {
        /// Where the replica's log lives (`replica.log` inside it). Default: `nil`, memory only: writes last as long as
        /// the process, and a restarted node gets the data back from its peers through anti-entropy.
        public var dataDirectory: String?
        /// Time between rumor rounds: each sends the pending updates to ``fanout`` random peers. Default: 200 ms
        /// (memberlist's LAN gossip interval).
        public var gossipInterval: Duration = .milliseconds(200)
        /// Peers per rumor round. Default: 3 (memberlist's LAN `GossipNodes`).
        public var fanout = 3
        /// The most datagrams of rumors sent to each peer in a round, so that a burst of writes drains in a few
        /// rounds instead of waiting for anti-entropy; a quiet store sends one or none. Default: 8.
        public var rumorPacketsPerRound = 8
        /// Pending rumors beyond which the node starts an anti-entropy exchange at once instead of waiting for the
        /// next interval: a bulk load moves faster over TCP. Default: 1,000.
        public var rumorBacklogForAntiEntropy = 1_000
        /// Each update is sent `retransmitMultiplier × ceil(log10(n + 1))` times. Default: 4 (memberlist's).
        public var retransmitMultiplier = 4
        /// Time between anti-entropy rounds: this replica's digest (its Merkle root) to a random peer in one
        /// datagram; a peer whose replica differs opens an exchange over TCP at once. Default: 10 s.
        public var antiEntropyInterval: Duration = .seconds(10)
        /// Levels of the Merkle tree (2^depth buckets). Default: 16, so that a million keys make buckets of about
        /// 15 and an exchange's digests stay small; the tree takes 1 MiB.
        public var treeDepth = 16
        /// How long a deletion's tombstone is kept. Past it the tombstone is dropped, and one arriving from a peer is
        /// ignored: a replica cut off for longer than this may bring deleted keys back, as with Cassandra's
        /// `gc_grace_seconds`. Default: 24 hours (Serf's tombstone timeout).
        public var tombstoneHorizon: Duration = .seconds(24 * 3600)
        /// Time between maintenance passes: expired tombstones dropped, and the log compacted once superseded
        /// records are most of it. Default: 60 s.
        public var maintenanceInterval: Duration = .seconds(60)
        /// Time between push-sum rounds of the aggregates. Default: 200 ms.
        public var aggregationInterval: Duration = .milliseconds(200)
        /// Push-sum rounds per aggregation epoch: every node restarts from its own values at each epoch, so that the
        /// estimates follow values that change and members that come and go. Default: 40 (8 s at the default
        /// interval; the estimate of 1,000 nodes is within 10⁻⁶ after about 30).
        public var aggregationRoundsPerEpoch = 40

        /// Whether the node's broadcast tree (Plumtree) carries each local write to every replica, instead of the
        /// store's own rumor rounds; anti-entropy still repairs whatever a broadcast missed. A node core sets it
        /// when it runs a tree. Default: `false`.
        public var rumorsOverBroadcast = false

        /// Room for replication messages in one datagram, in bytes: the UDP buffer less the packet layers (a node
        /// core sets it from its settings). Default: 1,272 (memberlist's 1,400 less encryption and a margin).
        public var datagramBytes = 1_272

        /// The defaults.
        public init() {}

        /// The tag a node carries when it replicates; its value lists the capabilities.
        public static let capabilityTag = "swift-gossip"
        /// The capability value.
        public static let capabilityValue = "kv"
    }
}
