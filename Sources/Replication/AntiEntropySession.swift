extension Replication {
    /// One anti-entropy exchange between two replicas in memory, run with the same messages a node sends over a
    /// stream (``AntiEntropyInitiator`` asking, ``Replica/answer(_:)`` answering): it repairs both replicas and
    /// reports the bytes of every encoded message, so the simulator and the benchmarks measure what the wire
    /// carries.
    public struct AntiEntropySession: Sendable {
        /// What an exchange did.
        public struct Result: Sendable, Hashable {
            /// Entries shipped from the initiator to the responder.
            public var shippedToResponder: Int
            /// Entries shipped from the responder to the initiator.
            public var shippedToInitiator: Int
            /// Bytes of every message in both directions.
            public var bytes: Int
            /// Message round trips.
            public var roundTrips: Int
            /// Buckets whose hashes differed.
            public var differingBuckets: Int
        }

        /// Runs the exchange between `initiator` and `responder`, repairing both.
        public static func synchronize(_ initiator: inout Replica, _ responder: inout Replica) -> Result {
            precondition(initiator.tree.depth == responder.tree.depth, "replicas must use trees of one depth")
            var asking = AntiEntropyInitiator(depth: initiator.tree.depth)
            var request = asking.start()
            var bytes = 0
            var shippedToResponder = 0
            while true {
                let reply: SyncMessage
                if case .push(let entries) = request {
                    for item in entries { responder.apply(item.key, item.entry) }
                    shippedToResponder += entries.count
                    reply = .accepted(UInt32(entries.count))
                } else {
                    reply = responder.answer(request)
                }
                bytes += request.encode().count + reply.encode().count
                // The replies come from a replica of the same depth, so the exchange cannot fail.
                guard let step = try? asking.receive(reply, replica: initiator) else {
                    preconditionFailure("an in-memory exchange failed")
                }
                switch step {
                case .send(let next):
                    request = next
                case .finished(let outcome):
                    for item in outcome.fetched { initiator.apply(item.key, item.entry) }
                    return Result(
                        shippedToResponder: shippedToResponder, shippedToInitiator: outcome.fetched.count,
                        bytes: bytes, roundTrips: outcome.roundTrips, differingBuckets: outcome.differingBuckets)
                }
            }
        }

        /// Bytes of shipping a whole replica instead: every entry in one message.
        public static func fullTransferBytes(_ replica: Replica) -> Int {
            replica.map.entries.reduce(SyncMessage.listHeaderBytes) {
                $0 + SyncMessage.encodedSize(of: KeyedEntry($1.key, $1.value))
            }
        }
    }
}
