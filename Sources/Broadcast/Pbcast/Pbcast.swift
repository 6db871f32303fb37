import GossipCore

extension Broadcast {
    /// Bimodal Multicast (Birman, Hayden, Ozkasap, Xiao, Budiu and Minsky, ACM TOCS 1999), the protocol Plumtree
    /// descends from: a best-effort multicast of each message to every member, then rounds of anti-entropy that
    /// repair what it lost. Every ``Configuration/roundInterval`` a node sends ``Configuration/fanout`` random
    /// members a *digest* of the messages it holds; a member missing some *solicits* them, and the holder sends
    /// them again. A message is gossiped about for ``Configuration/retentionRounds`` rounds, then forgotten
    /// (its identity is remembered a while longer, so that it is not taken again).
    ///
    /// Its guarantee is probabilistic and *bimodal*: a message reaches almost every member or, when its
    /// multicast failed and its sender crashed, almost none; the middle is exponentially unlikely.
    ///
    /// A value, like ``Plumtree``: inputs with the instant and randomness they need, effects out. A digest or
    /// solicitation larger than ``Configuration/maximumListCount`` is dropped and counted.
    public struct Pbcast<Peer: Hashable & Sendable>: Sendable {
        /// Rounds, fanout and memory.
        public struct Configuration: Sendable, Hashable {
            /// Time between gossip rounds. Default: 100 ms (the paper's experiments gossip every 100 ms).
            public var roundInterval: Duration = .milliseconds(100)
            /// Members sent a digest each round. Default: 1.
            public var fanout = 1
            /// Rounds a message is offered in digests and retransmitted. Default: 10.
            public var retentionRounds = 10
            /// Rounds a forgotten message's identity is still remembered, so that a late copy is not delivered
            /// twice. Default: 100.
            public var identityRounds = 100
            /// The most messages retransmitted to one solicitor per solicitation. Default: 64.
            public var retransmissionsPerSolicitation = 64
            /// The most identities in a digest or a solicitation. Default: 4,096.
            public var maximumListCount = 4_096

            /// The defaults.
            public init() {}
        }

        /// A message's identity: its origin and the origin's sequence number.
        public typealias MessageID = Broadcast.MessageID<Peer>

        /// What one node says to another.
        public enum Message: Sendable, Hashable {
            /// A message, multicast or retransmitted.
            case data(MessageID, payload: [UInt8])
            /// The messages the sender holds.
            case digest([MessageID])
            /// The messages of a digest the sender misses: send them.
            case solicit([MessageID])
        }

        /// The timers it arms.
        public enum Timer: Sendable, Hashable {
            /// The next gossip round.
            case round
        }

        /// What the node must do.
        public enum Effect: Sendable, Hashable {
            /// Send `message` to `peer` (unreliably: it may be lost).
            case send(Message, to: Peer)
            /// Fire `timer` at the instant.
            case arm(Timer, at: Instant)
            /// Hand a message to the application: once per message.
            case deliver(MessageID, payload: [UInt8])
        }

        /// Counters.
        public struct Statistics: Sendable, Hashable {
            /// Messages delivered.
            public var delivered = 0
            /// Of those, delivered from a retransmission this node solicited (the anti-entropy repaired a loss).
            public var repaired = 0
            /// Digests sent.
            public var digestsSent = 0
            /// Solicitations sent.
            public var solicitationsSent = 0
            /// Messages retransmitted.
            public var retransmissions = 0
            /// Messages dropped as malformed (lists over the limit) or from itself.
            public var dropped = 0

            /// Zeroed counters.
            public init() {}
        }

        /// This node.
        public let me: Peer
        /// The rounds, fanout and memory.
        public let configuration: Configuration
        /// The members it multicasts and gossips to (itself excluded).
        public private(set) var members: [Peer] = []
        /// Counters.
        public private(set) var statistics = Statistics()
        /// Messages held for gossip, with the round they were taken in.
        var held: [MessageID: (payload: [UInt8], round: Int)] = [:]
        /// The held messages' identities in the order they were taken: the digest (so that runs replay).
        var heldOrder: [MessageID] = []
        /// Identities of messages taken, with the round, until ``Configuration/identityRounds`` pass.
        var seen: [MessageID: Int] = [:]
        /// Messages solicited and not received yet, with the round they were asked for in.
        var solicited: [MessageID: Int] = [:]
        /// Gossip rounds so far.
        public private(set) var round = 0
        var nextSequence: UInt64 = 0
        var effects: [Effect] = []

        /// A node that knows no member yet.
        public init(me: Peer, configuration: Configuration = Configuration()) {
            self.me = me
            self.configuration = configuration
        }

        /// Whether message `id` was delivered here (and is still remembered).
        public func hasDelivered(_ id: MessageID) -> Bool { seen[id] != nil }

        /// Sets the members (from the membership layer); this node is left out.
        public mutating func setMembers(_ peers: [Peer]) {
            members = peers.filter { $0 != me }
        }

        /// Arms the first round after a random part of the interval, so that nodes do not gossip in step.
        public mutating func start(at now: Instant, using rng: inout some RandomNumberGenerator) -> [Effect] {
            let stagger = configuration.roundInterval.scaled(by: Double.random(in: 0..<1, using: &rng))
            return [.arm(.round, at: now + stagger)]
        }

        /// Multicasts `payload`: delivered here and sent to every member (best effort); returns its identity.
        public mutating func multicast(_ payload: [UInt8]) -> (id: MessageID, effects: [Effect]) {
            nextSequence += 1
            let id = MessageID(origin: me, sequence: nextSequence)
            take(id, payload: payload, repaired: false)
            for peer in members { effects.append(.send(.data(id, payload: payload), to: peer)) }
            return (id, takeEffects())
        }

        /// Handles `message` from `sender`.
        public mutating func receive(_ message: Message, from sender: Peer) -> [Effect] {
            guard sender != me else {
                statistics.dropped += 1
                return []
            }
            switch message {
            case .data(let id, let payload):
                let repaired = solicited.removeValue(forKey: id) != nil
                if seen[id] == nil { take(id, payload: payload, repaired: repaired) }
            case .digest(let ids):
                guard ids.count <= configuration.maximumListCount else {
                    statistics.dropped += 1
                    break
                }
                let missing = ids.filter { seen[$0] == nil }
                if !missing.isEmpty {
                    for id in missing { solicited[id] = round }
                    statistics.solicitationsSent += 1
                    effects.append(.send(.solicit(missing), to: sender))
                }
            case .solicit(let ids):
                guard ids.count <= configuration.maximumListCount else {
                    statistics.dropped += 1
                    break
                }
                for id in ids.prefix(configuration.retransmissionsPerSolicitation) {
                    guard let kept = held[id] else { continue }
                    statistics.retransmissions += 1
                    effects.append(.send(.data(id, payload: kept.payload), to: sender))
                }
            }
            return takeEffects()
        }

        /// Handles a timer it armed: a gossip round (digests to random members, then the old messages
        /// forgotten), and the next one armed.
        public mutating func fire(_ timer: Timer, at now: Instant, using rng: inout some RandomNumberGenerator)
            -> [Effect]
        {
            var roundEffects = gossipRound(using: &rng)
            roundEffects.append(.arm(.round, at: now + configuration.roundInterval))
            return roundEffects
        }

        /// One round without a timer (for a driver that runs rounds in lockstep): the digests, then aging.
        public mutating func gossipRound(using rng: inout some RandomNumberGenerator) -> [Effect] {
            round += 1
            if !heldOrder.isEmpty, !members.isEmpty {
                let digest = heldOrder
                for _ in 0..<min(configuration.fanout, members.count) {
                    let peer = members[Int.random(in: 0..<members.count, using: &rng)]
                    statistics.digestsSent += 1
                    effects.append(.send(.digest(digest), to: peer))
                }
            }
            // Taken in round order: the expired ones lead.
            let expired = heldOrder.prefix { round - held[$0]!.round >= configuration.retentionRounds }
            for id in expired { held[id] = nil }
            heldOrder.removeFirst(expired.count)
            seen = seen.filter { round - $0.value < configuration.identityRounds }
            solicited = solicited.filter { round - $0.value < configuration.retentionRounds }
            return takeEffects()
        }

        mutating func take(_ id: MessageID, payload: [UInt8], repaired: Bool) {
            seen[id] = round
            held[id] = (payload, round)
            heldOrder.append(id)
            statistics.delivered += 1
            if repaired { statistics.repaired += 1 }
            effects.append(.deliver(id, payload: payload))
        }

        mutating func takeEffects() -> [Effect] {
            defer { effects = [] }
            return effects
        }
    }
}
