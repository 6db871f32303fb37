extension Replication {
    /// The side of an anti-entropy exchange that asks: it compares roots, descends level by level only into
    /// subtrees whose hashes differ, lists the differing buckets' digests, then fetches the entries the peer holds
    /// newer and pushes the ones it holds newer itself. The peer answers each request on its own
    /// (``Replica/answer(_:)``), keeping no state between them, so an exchange that is abandoned half-way costs
    /// the peer nothing.
    ///
    /// ```swift
    /// var initiator = Replication.AntiEntropyInitiator(depth: replica.tree.depth)
    /// var request = initiator.start()
    /// while true {
    ///     let reply = try await peer.ask(request)          // one stream exchange
    ///     switch try initiator.receive(reply, replica: replica) {
    ///     case .send(let next): request = next
    ///     case .finished(let outcome): apply(outcome.fetched); return
    ///     }
    /// }
    /// ```
    public struct AntiEntropyInitiator: Sendable {
        /// What to do next.
        public enum Step: Sendable, Hashable {
            /// Send this request and pass the reply to ``receive(_:replica:)``.
            case send(SyncMessage)
            /// The exchange is over.
            case finished(Outcome)
        }

        /// What an exchange found and moved.
        public struct Outcome: Sendable, Hashable {
            /// Entries the peer held newer or that were missing here; the caller applies them.
            public var fetched: [KeyedEntry] = []
            /// Entries pushed to the peer.
            public var pushed = 0
            /// Buckets whose hashes differed.
            public var differingBuckets = 0
            /// Requests sent.
            public var roundTrips = 0
        }

        /// Why an exchange stopped.
        public enum Failure: Error, Hashable, Sendable, CustomStringConvertible {
            /// The peer refused a request.
            case refused(String)
            /// The reply does not answer the request (wrong kind or wrong number of items).
            case unexpectedReply(expected: String)

            /// A sentence for logs.
            public var description: String {
                switch self {
                case .refused(let reason): return "the peer refused anti-entropy: \(reason)"
                case .unexpectedReply(let expected): return "the peer's reply is not \(expected)"
                }
            }
        }

        /// Keys per fetch request: at the value limit, one reply stays under 20 MiB.
        public static let keysPerFetch = 256

        /// The tree depth both sides must use.
        public let depth: Int
        /// The largest push request, in bytes.
        public let maximumPushBytes: Int
        private var phase = Phase.root
        private var outcome = Outcome()

        private enum Phase: Sendable {
            case root
            case descending(level: Int, parents: [Int])
            case digests(buckets: [Int])
            case transferring(fetches: [[String]], pushes: [[KeyedEntry]])
            case done
        }

        /// An initiator for trees of `depth` levels; pushes are cut into requests of at most `maximumPushBytes`.
        public init(depth: Int, maximumPushBytes: Int = 4 << 20) {
            self.depth = depth
            self.maximumPushBytes = maximumPushBytes
        }

        /// The first request: the peer's root.
        public mutating func start() -> SyncMessage {
            phase = .root
            outcome = Outcome(roundTrips: 1)
            return .rootRequest(depth: UInt8(depth))
        }

        /// Takes the peer's reply to the last request; `replica` is this side's current data.
        public mutating func receive(_ reply: SyncMessage, replica: Replica) throws(Failure) -> Step {
            if case .refused(let reason) = reply { throw .refused(reason) }
            switch phase {
            case .root:
                guard case .hashes(let hashes) = reply, hashes.count == 1 else {
                    throw .unexpectedReply(expected: "one root hash")
                }
                if hashes[0] == replica.tree.root { return finish() }
                return descend(from: [1], level: 0)
            case .descending(let level, let parents):
                guard case .hashes(let hashes) = reply, hashes.count == 2 * parents.count else {
                    throw .unexpectedReply(expected: "two hashes per parent")
                }
                var differing: [Int] = []
                for (offset, parent) in parents.enumerated() {
                    for (side, child) in [2 * parent, 2 * parent + 1].enumerated()
                    where hashes[2 * offset + side] != replica.tree.hash(at: child) {
                        differing.append(child)
                    }
                }
                if differing.isEmpty { return finish() }
                return descend(from: differing, level: level + 1)
            case .digests(let buckets):
                guard case .digests(let digests) = reply else { throw .unexpectedReply(expected: "digests") }
                return transfer(comparing: digests, inBuckets: buckets, replica: replica)
            case .transferring(let fetches, let pushes):
                switch reply {
                case .entries(let entries): outcome.fetched += entries
                case .accepted: break
                default: throw .unexpectedReply(expected: "entries or an acceptance")
                }
                return nextTransfer(fetches: fetches, pushes: pushes)
            case .done:
                throw .unexpectedReply(expected: "nothing (the exchange is over)")
            }
        }

        private mutating func descend(from parents: [Int], level: Int) -> Step {
            if level == depth {
                // `parents` are now buckets (heap indices from 2^depth).
                let buckets = parents.map { $0 - (1 << depth) }
                outcome.differingBuckets = buckets.count
                phase = .digests(buckets: buckets)
                return request(.digestsRequest(depth: UInt8(depth), buckets: buckets.map { UInt32($0) }))
            }
            phase = .descending(level: level, parents: parents)
            return request(.childrenRequest(depth: UInt8(depth), parents: parents.map { UInt32($0) }))
        }

        private mutating func transfer(comparing digests: [Digest], inBuckets buckets: [Int], replica: Replica) -> Step
        {
            let theirs = Dictionary(digests.map { ($0.key, $0.timestamp) }, uniquingKeysWith: max)
            var wanted: [String] = []
            for (key, timestamp) in theirs where (replica.map.entries[key]?.timestamp ?? .zero) < timestamp {
                wanted.append(key)
            }
            var pushes: [[KeyedEntry]] = [[]]
            var pushBytes = 0
            for bucket in buckets {
                for (key, entry) in replica.entries(inBucket: bucket)
                where (theirs[key] ?? .zero) < entry.timestamp {
                    let item = KeyedEntry(key, entry)
                    let size = SyncMessage.encodedSize(of: item)
                    if pushBytes + size > maximumPushBytes, !pushes[pushes.count - 1].isEmpty {
                        pushes.append([])
                        pushBytes = 0
                    }
                    pushes[pushes.count - 1].append(item)
                    pushBytes += size
                }
            }
            if pushes[pushes.count - 1].isEmpty { pushes.removeLast() }
            wanted.sort()
            let fetches = stride(from: 0, to: wanted.count, by: Self.keysPerFetch).map {
                Array(wanted[$0..<min($0 + Self.keysPerFetch, wanted.count)])
            }
            return nextTransfer(fetches: fetches, pushes: pushes)
        }

        /// Fetches first, then pushes, one request each; finished when none is left.
        private mutating func nextTransfer(fetches: [[String]], pushes: [[KeyedEntry]]) -> Step {
            if let keys = fetches.first {
                phase = .transferring(fetches: Array(fetches.dropFirst()), pushes: pushes)
                return request(.fetch(keys: keys))
            }
            if let entries = pushes.first {
                outcome.pushed += entries.count
                phase = .transferring(fetches: [], pushes: Array(pushes.dropFirst()))
                return request(.push(entries))
            }
            return finish()
        }

        private mutating func request(_ message: SyncMessage) -> Step {
            outcome.roundTrips += 1
            return .send(message)
        }

        private mutating func finish() -> Step {
            phase = .done
            return .finished(outcome)
        }
    }
}

extension Replication.Replica {
    /// The answer to an anti-entropy read request (root, children, digests, fetch), computed from this replica
    /// alone. A push is the caller's to apply (it may have to be made durable first): it is answered with
    /// `.refused` here, as is anything that is not a request or asks about a tree of another depth.
    public func answer(_ request: Replication.SyncMessage) -> Replication.SyncMessage {
        func checkDepth(_ depth: UInt8) -> Replication.SyncMessage? {
            Int(depth) == tree.depth ? nil : .refused("tree depth \(depth) asked, this replica has \(tree.depth)")
        }
        switch request {
        case .rootRequest(let depth):
            return checkDepth(depth) ?? .hashes([tree.root])
        case .childrenRequest(let depth, let parents):
            if let refusal = checkDepth(depth) { return refusal }
            guard parents.allSatisfy({ $0 >= 1 && Int($0) < tree.bucketCount }) else {
                return .refused("a parent index outside the tree")
            }
            return .hashes(parents.flatMap { [tree.hash(at: 2 * Int($0)), tree.hash(at: 2 * Int($0) + 1)] })
        case .digestsRequest(let depth, let buckets):
            if let refusal = checkDepth(depth) { return refusal }
            guard buckets.allSatisfy({ Int($0) < tree.bucketCount }) else {
                return .refused("a bucket outside the tree")
            }
            return .digests(
                buckets.flatMap { entries(inBucket: Int($0)).map { Replication.Digest($0.0, $0.1.timestamp) } })
        case .fetch(let keys):
            return .entries(keys.compactMap { key in map.entries[key].map { Replication.KeyedEntry(key, $0) } })
        case .push, .hashes, .digests, .entries, .accepted, .refused, .rumor:
            return .refused("not an anti-entropy read request")
        }
    }
}
