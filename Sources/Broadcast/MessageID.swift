extension Broadcast {
    /// A broadcast's identity, in every protocol here: the node that sent it and its sequence number there.
    public struct MessageID<Peer: Hashable & Sendable>: Sendable, Hashable {
        /// The node that broadcast it.
        public var origin: Peer
        /// Its sequence number at that node.
        public var sequence: UInt64

        /// The identity of `origin`'s broadcast number `sequence`.
        public init(origin: Peer, sequence: UInt64) {
            self.origin = origin
            self.sequence = sequence
        }
    }
}
