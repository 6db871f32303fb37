import Broadcast

extension NodeCore {
    /// How a node carries user events and the store's rumors on a broadcast tree: Plumtree on a HyParView overlay
    /// built from the swift-gossip members of its cluster (those whose tags carry the ``capabilityValue``). Serf
    /// agents take no part; in a cluster that has some, an event that fits Serf's limit also goes Serf's way.
    public struct TreeConfiguration: Sendable {
        /// The overlay's view sizes, walks and shuffles. Default: the HyParView paper's (active 5, passive 30,
        /// walks of 6 and 3, shuffle every 10 s).
        public var overlay = Broadcast.HyParView<String>.Configuration()
        /// The tree's timeouts and memory. Default: Plumtree's (`IHAVE` batched every 50 ms, a graft after
        /// 250 ms), with room for the encoding of a user event of ``userEventSizeLimit`` bytes.
        public var tree: Broadcast.Plumtree<String>.Configuration = {
            var tree = Broadcast.Plumtree<String>.Configuration()
            tree.maximumPayloadBytes = 65_536 + 1_024
            return tree
        }()
        /// The most bytes of a user event's name and payload together. Default: 65,536 (Serf's is 512).
        public var userEventSizeLimit = 65_536
        /// How long messages to a peer whose address membership has not told yet wait for it before the peer is
        /// taken for unreachable (a node that has just joined is known to some members before others).
        /// Default: 5 s.
        public var addressWait: Duration = .seconds(5)
        /// The most messages waiting for one peer's address; later ones are dropped. Default: 64.
        public var messagesAwaitingAddress = 64

        /// The defaults.
        public init() {}

        /// The capability a node carrying the tree lists in its `swift-gossip` tag.
        public static let capabilityValue = "plumtree"
    }

    /// What the broadcast tree's shell side saw: messages sent and the malformed ones dropped.
    public struct TreeStatistics: Sendable, Hashable {
        /// Tree messages sent in datagrams.
        public var datagramsSent = 0
        /// Tree messages sent over streams (too large for a datagram).
        public var streamsSent = 0
        /// Bytes of tree messages sent, both ways.
        public var bytesSent = 0
        /// Payload bytes (the events and rumors themselves) sent in `GOSSIP` messages.
        public var payloadBytesSent = 0
        /// Tree messages dropped as malformed, and delivered payloads that were neither an event nor a rumor.
        public var dropped = 0

        /// Zeroed counters.
        public init() {}
    }
}
