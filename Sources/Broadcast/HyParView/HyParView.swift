import GossipCore

extension Broadcast {
    /// The HyParView overlay of one node: an active view of at most ``Configuration/activeCapacity`` neighbours,
    /// kept symmetric (a node is in my active view exactly when I am in its), and a passive view of at most
    /// ``Configuration/passiveCapacity`` peers, refreshed by periodic shuffles. A new node joins through any member
    /// (`JOIN`, then `FORWARDJOIN` random walks that place it in active and passive views); a neighbour that fails
    /// (reported with ``peerFailed(_:at:using:)``, as a broken connection would be) is replaced by a passive peer
    /// that accepts a `NEIGHBOR` request.
    ///
    /// A value: every input takes the instant and the randomness it needs and returns the effects to carry out.
    /// Malformed or unexpected messages (from itself, about itself, replies nobody asked for) are dropped and
    /// counted in ``statistics``.
    public struct HyParView<Peer: Hashable & Sendable>: Sendable {
        /// The sizes and walk lengths. The defaults are the paper's for a gossip fanout of 4.
        public struct Configuration: Sendable, Hashable {
            /// The most neighbours. Default: 5 (fanout + 1).
            public var activeCapacity = 5
            /// The most passive peers. Default: 30.
            public var passiveCapacity = 30
            /// How far a `FORWARDJOIN` walks before the new node is taken into an active view (ARWL). Default: 6.
            public var activeRandomWalkLength = 6
            /// At which remaining length a `FORWARDJOIN` leaves the new node in a passive view (PRWL). Default: 3.
            public var passiveRandomWalkLength = 3
            /// Active neighbours in a shuffle's sample (kₐ). Default: 3.
            public var shuffleActive = 3
            /// Passive peers in a shuffle's sample (kₚ). Default: 4.
            public var shufflePassive = 4
            /// How far a shuffle walks. Default: 6 (the ARWL).
            public var shuffleWalkLength = 6
            /// Time between shuffles. Default: 10 s.
            public var shuffleInterval: Duration = .seconds(10)
            /// How long a `NEIGHBOR` request waits for its answer before the next passive peer is asked.
            /// Default: 1 s.
            public var neighborTimeout: Duration = .seconds(1)

            /// The paper's defaults.
            public init() {}
        }

        /// What one node says to another about the overlay.
        public enum Message: Sendable, Hashable {
            /// A new node asks to join through the receiver.
            case join
            /// A join travelling a random walk: `node` is the new one, `ttl` the walk length left.
            case forwardJoin(node: Peer, ttl: Int)
            /// The receiver of a join (or the end of its walk) took the sender as a neighbour: take it back.
            case joinAccepted
            /// The sender asks to become a neighbour; `urgent` when it has none (it must then be taken).
            case neighbor(urgent: Bool)
            /// The answer to a neighbour request.
            case neighborReply(accepted: Bool)
            /// The sender dropped the receiver from its active view (it stays a passive peer).
            case disconnect
            /// A shuffle walking from `origin` with `sample` of its views; `ttl` the walk length left.
            case shuffle(origin: Peer, ttl: Int, sample: [Peer])
            /// The end of a shuffle's walk answers its origin with a sample of its own passive view.
            case shuffleReply(sample: [Peer])
        }

        /// The timers it arms.
        public enum Timer: Sendable, Hashable {
            /// The periodic shuffle.
            case shuffle
            /// The neighbour request to `peer` is taking too long.
            case neighborRequest(Peer)
        }

        /// What the node must do.
        public enum Effect: Sendable, Hashable {
            /// Send `message` to `peer`.
            case send(Message, to: Peer)
            /// Fire `timer` at the instant.
            case arm(Timer, at: Instant)
            /// `peer` became a neighbour (is in the active view now).
            case neighborUp(Peer)
            /// `peer` is no longer a neighbour.
            case neighborDown(Peer)
        }

        /// Counters of what happened.
        public struct Statistics: Sendable, Hashable {
            /// Messages dropped as malformed or unexpected.
            public var dropped = 0
            /// Shuffles started.
            public var shuffles = 0
            /// Neighbour requests sent.
            public var neighborRequests = 0
            /// Neighbours lost to failures.
            public var failures = 0
            /// Zeroed counters.
            public init() {}
        }

        /// This node.
        public let me: Peer
        /// The sizes and walk lengths.
        public let configuration: Configuration
        /// The neighbours, in the order they were taken.
        public internal(set) var activeView: [Peer] = []
        /// The passive peers.
        public internal(set) var passiveView: [Peer] = []
        /// Counters.
        public internal(set) var statistics = Statistics()
        /// The passive peer a neighbour request is waiting on, if any.
        var pendingNeighbor: Peer?
        /// Passive peers that refused this node since the last shuffle: not asked again until then.
        var refusedBy: Set<Peer> = []
        var effects: [Effect] = []

        /// The overlay of `me`, empty until it joins or is joined.
        public init(me: Peer, configuration: Configuration = Configuration()) {
            self.me = me
            self.configuration = configuration
        }

        /// Whether `peer` is a neighbour.
        public func isNeighbor(_ peer: Peer) -> Bool { activeView.contains(peer) }

        /// Arms the periodic shuffle, after a random part of its interval (so that nodes started together do not
        /// shuffle in step).
        public mutating func start(at now: Instant, using rng: inout some RandomNumberGenerator) -> [Effect] {
            let stagger = configuration.shuffleInterval.scaled(by: Double.random(in: 0..<1, using: &rng))
            effects.append(.arm(.shuffle, at: now + stagger))
            return takeEffects()
        }

        /// Joins the overlay through `contact`, any node already in it.
        public mutating func join(through contact: Peer) -> [Effect] {
            guard contact != me else { return [] }
            effects.append(.send(.join, to: contact))
            return takeEffects()
        }

        /// Handles `message` from `sender`.
        public mutating func receive(
            _ message: Message, from sender: Peer, at now: Instant, using rng: inout some RandomNumberGenerator
        ) -> [Effect] {
            guard sender != me else {
                statistics.dropped += 1
                return []
            }
            switch message {
            case .join:
                receiveJoin(from: sender, using: &rng)
            case .forwardJoin(let node, let ttl):
                receiveForwardJoin(node: node, ttl: ttl, from: sender, using: &rng)
            case .joinAccepted:
                // Confirmed back when it makes a new link: if this node had just dropped the sender, the sender
                // drops it too when that disconnect arrives, and this confirmation, coming after it, restores the
                // link on both sides.
                if !activeView.contains(sender) {
                    addToActive(sender, using: &rng)
                    effects.append(.send(.joinAccepted, to: sender))
                }
            case .neighbor(let urgent):
                receiveNeighborRequest(from: sender, urgent: urgent, using: &rng)
            case .neighborReply(let accepted):
                receiveNeighborReply(from: sender, accepted: accepted, at: now, using: &rng)
            case .disconnect:
                receiveDisconnect(from: sender, at: now, using: &rng)
            case .shuffle(let origin, let ttl, let sample):
                receiveShuffle(origin: origin, ttl: ttl, sample: sample, from: sender, using: &rng)
            case .shuffleReply(let sample):
                integrate(sample, using: &rng)
            }
            return takeEffects()
        }

        /// Handles a timer it armed.
        public mutating func fire(_ timer: Timer, at now: Instant, using rng: inout some RandomNumberGenerator)
            -> [Effect]
        {
            switch timer {
            case .shuffle:
                shuffle(using: &rng)
                effects.append(.arm(.shuffle, at: now + configuration.shuffleInterval))
            case .neighborRequest(let peer):
                guard pendingNeighbor == peer else { break }
                // No answer: the peer is gone or too slow; forget it and ask another.
                pendingNeighbor = nil
                passiveView.removeAll { $0 == peer }
                fillActiveView(at: now, using: &rng)
            }
            return takeEffects()
        }

        /// `peer` is unreachable (its connection broke, a send to it failed): it leaves both views, and a
        /// neighbour it leaves missing is replaced from the passive view.
        public mutating func peerFailed(_ peer: Peer, at now: Instant, using rng: inout some RandomNumberGenerator)
            -> [Effect]
        {
            if let index = activeView.firstIndex(of: peer) {
                activeView.remove(at: index)
                statistics.failures += 1
                effects.append(.neighborDown(peer))
            }
            passiveView.removeAll { $0 == peer }
            if pendingNeighbor == peer { pendingNeighbor = nil }
            fillActiveView(at: now, using: &rng)
            return takeEffects()
        }

        mutating func takeEffects() -> [Effect] {
            defer { effects = [] }
            return effects
        }
    }
}
