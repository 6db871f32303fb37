import GossipCore

extension Broadcast {
    /// Epidemic broadcast trees (Plumtree) over the neighbours an overlay gives it. A payload goes to the *eager*
    /// neighbours (`GOSSIP`) and is announced to the *lazy* ones (`IHAVE`, batched every
    /// ``Configuration/lazyInterval``). A neighbour that sends a payload already delivered is moved to lazy and
    /// told to do the same (`PRUNE`), so the eager links settle into a spanning tree and each node receives each
    /// payload about once. An announced payload that does not arrive within ``Configuration/missingTimeout`` is
    /// asked for (`GRAFT`), which makes its announcer eager again: the tree repairs itself where it broke.
    ///
    /// A value, like ``HyParView``: inputs with the instant and randomness they need, effects out. Unexpected
    /// messages (a graft for a payload it never had, an announcement from itself) are dropped and counted.
    public struct Plumtree<Peer: Hashable & Sendable>: Sendable {
        /// Timeouts, batching and how much is remembered.
        public struct Configuration: Sendable, Hashable {
            /// How long an announced payload may take before it is grafted from its first announcer. Default:
            /// 250 ms.
            public var missingTimeout: Duration = .milliseconds(250)
            /// How long to wait before grafting from the next announcer, once a graft was sent. Default: 150 ms.
            public var graftRetryTimeout: Duration = .milliseconds(150)
            /// Announcements are gathered and sent every this often (one `IHAVE` per neighbour per batch).
            /// Default: 50 ms.
            public var lazyInterval: Duration = .milliseconds(50)
            /// Grafts sent for one missing payload before it is given up, taking its announcers in turn (a graft
            /// or its answer may be lost in a datagram). Default: 8.
            public var maximumGrafts = 8
            /// Payloads kept to answer grafts and recognise duplicates. Default: 10,000.
            public var retainedPayloads = 10_000
            /// The most bytes of one payload. Default: 64 KiB.
            public var maximumPayloadBytes = 65_536

            /// The defaults.
            public init() {}
        }

        /// A message's identity: its origin and the origin's sequence number.
        public typealias MessageID = Broadcast.MessageID<Peer>

        /// What one node says to another.
        public enum Message: Sendable, Hashable {
            /// A payload, `round` hops from its origin.
            case gossip(MessageID, round: Int, payload: [UInt8])
            /// Announcements of payloads the sender has, each with its round there.
            case ihave([Announcement])
            /// The sender misses `id`: send it, and keep the link eager.
            case graft(MessageID, round: Int)
            /// The sender received a duplicate from the receiver: make the link lazy.
            case prune
        }

        /// A payload a node announces: its identity and how many hops it took to get there.
        public struct Announcement: Sendable, Hashable {
            /// The payload's identity.
            public var id: MessageID
            /// Its round at the announcer.
            public var round: Int

            /// `id` at `round`.
            public init(id: MessageID, round: Int) {
                self.id = id
                self.round = round
            }
        }

        /// The timers it arms.
        public enum Timer: Sendable, Hashable {
            /// Announced payload `id` has not arrived.
            case missing(MessageID)
            /// Send the gathered announcements.
            case lazyFlush
        }

        /// What the node must do.
        public enum Effect: Sendable, Hashable {
            /// Send `message` to `peer`.
            case send(Message, to: Peer)
            /// Fire `timer` at the instant.
            case arm(Timer, at: Instant)
            /// Hand `payload` (broadcast `id`, received `round` hops from its origin) to the application: once
            /// per broadcast.
            case deliver(MessageID, round: Int, payload: [UInt8])
        }

        /// Counters of what happened.
        public struct Statistics: Sendable, Hashable {
            /// Payloads delivered.
            public var delivered = 0
            /// Payload messages (`GOSSIP`) sent.
            public var payloadsSent = 0
            /// Payloads received that were delivered already.
            public var duplicates = 0
            /// Grafts sent.
            public var grafts = 0
            /// Prunes sent.
            public var prunes = 0
            /// `IHAVE` messages sent (each with one or more announcements).
            public var announcementsSent = 0
            /// Announcements dropped before they were sent because the neighbour showed it had the payload (it
            /// announced it, or sent it, first).
            public var announcementsWithdrawn = 0
            /// Messages dropped as malformed or unexpected.
            public var dropped = 0
            /// Zeroed counters.
            public init() {}
        }

        /// This node.
        public let me: Peer
        /// The timeouts and limits.
        public let configuration: Configuration
        /// Neighbours that get payloads, in the order they became eager (ordered, so that runs replay).
        public internal(set) var eagerPeers: [Peer] = []
        /// Neighbours that get announcements.
        public internal(set) var lazyPeers: [Peer] = []
        /// Counters.
        public internal(set) var statistics = Statistics()
        /// Payloads kept, with the round they arrived at, to answer grafts.
        var received: [MessageID: (round: Int, payload: [UInt8])] = [:]
        /// The order payloads were kept in, oldest first, so the oldest are forgotten first.
        var receivedOrder: [MessageID] = []
        var receivedOrderStart = 0
        /// Announcements of payloads not received yet, in the order they came, with their announcer.
        var missing: [MessageID: [(peer: Peer, round: Int)]] = [:]
        /// Grafts sent so far for each missing payload.
        var graftsSent: [MessageID: Int] = [:]
        /// Announcements waiting for the next batch, per lazy neighbour, in the order the neighbours came.
        var lazyQueue: [(peer: Peer, announcements: [Announcement])] = []
        var lazyFlushArmed = false
        var nextSequence: UInt64 = 0
        var effects: [Effect] = []

        /// A node with no neighbours yet.
        public init(me: Peer, configuration: Configuration = Configuration()) {
            self.me = me
            self.configuration = configuration
        }

        /// Whether broadcast `id` was delivered here (and is still remembered).
        public func hasDelivered(_ id: MessageID) -> Bool { received[id] != nil }

        /// Broadcasts `payload`: delivered here, sent to the eager neighbours, announced to the lazy ones. Returns
        /// its identity with the effects; a payload over ``Configuration/maximumPayloadBytes`` is refused (`nil`).
        public mutating func broadcast(_ payload: [UInt8], at now: Instant) -> (id: MessageID?, effects: [Effect]) {
            guard payload.count <= configuration.maximumPayloadBytes else { return (nil, []) }
            nextSequence += 1
            let id = MessageID(origin: me, sequence: nextSequence)
            accept(id, round: 0, payload: payload, from: nil, at: now)
            return (id, takeEffects())
        }

        /// A neighbour came up: it starts eager (the tree prunes what it does not need).
        public mutating func neighborUp(_ peer: Peer) {
            guard peer != me else { return }
            makeEager(peer)
        }

        /// A neighbour went away: it leaves both sets, and its announcements are forgotten.
        public mutating func neighborDown(_ peer: Peer) {
            eagerPeers.removeAll { $0 == peer }
            lazyPeers.removeAll { $0 == peer }
            lazyQueue.removeAll { $0.peer == peer }
            for id in Array(missing.keys) {
                missing[id]!.removeAll { $0.peer == peer }
            }
        }

        /// Moves `peer` to the eager set (the tree).
        mutating func makeEager(_ peer: Peer) {
            lazyPeers.removeAll { $0 == peer }
            if !eagerPeers.contains(peer) { eagerPeers.append(peer) }
        }

        /// Moves `peer` to the lazy set.
        mutating func makeLazy(_ peer: Peer) {
            eagerPeers.removeAll { $0 == peer }
            if !lazyPeers.contains(peer) { lazyPeers.append(peer) }
        }

        mutating func takeEffects() -> [Effect] {
            defer { effects = [] }
            return effects
        }
    }
}
