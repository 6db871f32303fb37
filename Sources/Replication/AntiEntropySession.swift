extension Replication {
    /// One anti-entropy exchange between two replicas: compare roots, descend level by level only into subtrees
    /// whose hashes differ, list the entries of the differing buckets, and ship each side the entries it lacks or
    /// holds older. The bytes it reports are those of the messages such an exchange sends: 8 bytes per hash, a key
    /// and 16-byte timestamp per digest, a key, timestamp and value per shipped entry, 4 bytes of header each.
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

        /// Bytes of a message header.
        public static let headerBytes = 4

        /// Runs the exchange between `initiator` and `responder`, repairing both.
        public static func synchronize(_ initiator: inout Replica, _ responder: inout Replica) -> Result {
            precondition(initiator.tree.depth == responder.tree.depth, "replicas must use trees of one depth")
            var result = Result(
                shippedToResponder: 0, shippedToInitiator: 0, bytes: 0, roundTrips: 1, differingBuckets: 0)
            // The initiator sends its root; the responder answers whether it matches.
            result.bytes += headerBytes + 8 + headerBytes + 1
            guard initiator.tree.root != responder.tree.root else { return result }
            var frontier = [1]
            let depth = initiator.tree.depth
            for _ in 0..<depth {
                // Ask for the children of every differing node; the other side answers with their hashes.
                var next: [Int] = []
                for index in frontier {
                    for child in [2 * index, 2 * index + 1]
                    where initiator.tree.hash(at: child) != responder.tree.hash(at: child) {
                        next.append(child)
                    }
                }
                result.bytes += headerBytes + 4 * frontier.count + headerBytes + 16 * frontier.count
                result.roundTrips += 1
                frontier = next
            }
            let buckets = frontier.map { $0 - initiator.tree.bucketCount }
            result.differingBuckets = buckets.count
            // Digests of the differing buckets go one way; the entries each side lacks or holds older come back.
            var toResponder: [(String, LWWMap.Entry)] = []
            var toInitiator: [(String, LWWMap.Entry)] = []
            for bucket in buckets {
                let mine = initiator.entries(inBucket: bucket)
                let theirs = Dictionary(uniqueKeysWithValues: responder.entries(inBucket: bucket))
                result.bytes += headerBytes + mine.reduce(0) { $0 + $1.0.utf8.count + 2 + 16 }
                for (key, entry) in mine where (theirs[key]?.timestamp ?? .zero) < entry.timestamp {
                    toResponder.append((key, entry))
                }
                let mineByKey = Dictionary(uniqueKeysWithValues: mine)
                for (key, entry) in theirs where (mineByKey[key]?.timestamp ?? .zero) < entry.timestamp {
                    toInitiator.append((key, entry))
                }
            }
            result.roundTrips += 1
            for (key, entry) in toResponder {
                result.bytes += entryBytes(key, entry)
                responder.apply(key, entry)
            }
            for (key, entry) in toInitiator {
                result.bytes += entryBytes(key, entry)
                initiator.apply(key, entry)
            }
            result.bytes += 2 * headerBytes
            result.shippedToResponder = toResponder.count
            result.shippedToInitiator = toInitiator.count
            return result
        }

        /// Bytes of one shipped entry: key with length, timestamp, value with length.
        public static func entryBytes(_ key: String, _ entry: LWWMap.Entry) -> Int {
            key.utf8.count + 2 + 16 + (entry.value?.count ?? 0) + 4
        }

        /// Bytes of shipping a whole replica instead.
        public static func fullTransferBytes(_ replica: Replica) -> Int {
            replica.map.entries.reduce(headerBytes) { $0 + entryBytes($1.key, $1.value) }
        }
    }
}
