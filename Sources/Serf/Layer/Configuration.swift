import MemberlistWire

extension Serf {
    /// How Serf's layer runs on a node. Every default is the Serf library's unless it says otherwise.
    public struct Configuration: Sendable {
        /// Serf tags, sent as the node's metadata (`ff` + MessagePack map). Default: none.
        public var tags: [String: String] = [:]
        /// How long the member list keeps a failed member before reaping it (Serf's ReconnectTimeout).
        /// Default: 24 hours.
        public var reconnectTimeout: Duration = .seconds(24 * 3600)
        /// How long the member list keeps a member that left (Serf's TombstoneTimeout). Default: 24 hours.
        public var tombstoneTimeout: Duration = .seconds(24 * 3600)
        /// How often members past those timeouts are reaped (Serf's ReapInterval). Default: 15 s.
        public var reapInterval: Duration = .seconds(15)
        /// Coalescing of user events sent with the coalesce flag: within a window only the newest event of each
        /// name is delivered. Default: `nil`, off (the library's default; Serf's agent uses 3 s and 1 s of quiet).
        public var userEventCoalescing: (period: Duration, quiescentPeriod: Duration)?
        /// Whether membership changes and clocks are recorded for Serf's snapshot file (the shell writes it).
        /// Default: `false`.
        public var recordsSnapshot = false
        /// How often the recorded clocks and lines are flushed to the snapshot file. Default: 500 ms (Serf's
        /// `flushInterval`).
        public var snapshotFlushInterval: Duration = .milliseconds(500)
        /// Serf's QueryTimeoutMult: a query's default timeout is gossip interval × this × ceil(log10(n + 1)).
        /// Default: 16.
        public var queryTimeoutMultiplier = 16
        /// The keyring that Serf's key-management queries (`_serf_install-key` …) act on; `nil` when traffic is
        /// not encrypted (the queries are then answered with an error). Default: `nil`.
        public var keyring: Keyring?
        /// The network-coordinate model (Vivaldi), or `nil` to keep no coordinates and send none in acks (Serf's
        /// `DisableCoordinates`). Default: Serf's model.
        public var coordinates: Serf.VivaldiClient.Configuration? = Serf.VivaldiClient.Configuration()

        /// The defaults.
        public init() {}
    }
}
