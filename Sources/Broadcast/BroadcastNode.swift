import GossipCore

extension Broadcast {
    /// A node's broadcast layer: ``Plumtree`` on a ``HyParView`` overlay, the overlay's neighbour changes feeding
    /// the tree. One input type and one effect type for a shell (the simulator, or an agent) to carry out.
    public struct BroadcastNode<Peer: Hashable & Sendable>: Sendable {
        /// A message between two nodes' layers.
        public enum Message: Sendable, Hashable {
            /// The overlay's.
            case overlay(HyParView<Peer>.Message)
            /// The tree's.
            case tree(Plumtree<Peer>.Message)
        }

        /// A timer either part armed.
        public enum Timer: Sendable, Hashable {
            /// The overlay's.
            case overlay(HyParView<Peer>.Timer)
            /// The tree's.
            case tree(Plumtree<Peer>.Timer)
        }

        /// What the shell must do.
        public enum Effect: Sendable, Hashable {
            /// Send `message` to `peer` (over a connection the shell keeps; a failure to reach it is reported
            /// with ``peerFailed(_:at:using:)``).
            case send(Message, to: Peer)
            /// Fire `timer` at the instant.
            case arm(Timer, at: Instant)
            /// Hand a broadcast's payload to the application (once per broadcast).
            case deliver(Plumtree<Peer>.MessageID, round: Int, payload: [UInt8])
        }

        /// The overlay.
        public private(set) var overlay: HyParView<Peer>
        /// The broadcast tree.
        public private(set) var tree: Plumtree<Peer>
        /// Whether duplicates prune links (Plumtree) or not (every neighbour stays eager: flooding the overlay).
        public let prunes: Bool
        /// Whether the neighbours were fixed with ``connect(fixed:)`` rather than kept by HyParView.
        public private(set) var hasFixedNeighbors = false

        /// The layer of `me`. With `prunes` false the tree never prunes, which floods the overlay (a baseline).
        public init(
            me: Peer, overlay: HyParView<Peer>.Configuration = .init(), tree: Plumtree<Peer>.Configuration = .init(),
            prunes: Bool = true
        ) {
            self.overlay = HyParView(me: me, configuration: overlay)
            self.tree = Plumtree(me: me, configuration: tree)
            self.prunes = prunes
        }

        // The entry points below are also compiled for `Int` peers and `SeededRandom` (the simulator's), so that
        // another module's release build calls them specialized, without cross-module optimization: the generic
        // versions cost about seven times as much per message.

        /// Arms the overlay's shuffles.
        @_specialize(exported:true,where Peer == Int, Random == SeededRandom)
        public mutating func start<Random: RandomNumberGenerator>(at now: Instant, using rng: inout Random)
            -> [Effect]
        {
            route(overlay.start(at: now, using: &rng))
        }

        /// Uses `peers` as this node's neighbours instead of HyParView's views: a static overlay (a regular
        /// graph, the complete graph) to compare against. The overlay stays empty and is never armed; a peer that
        /// fails only leaves the tree, and nothing replaces it.
        @_specialize(exported:true,where Peer == Int)
        public mutating func connect(fixed peers: [Peer]) {
            hasFixedNeighbors = true
            for peer in peers { tree.neighborUp(peer) }
        }

        /// Joins through `contact`.
        @_specialize(exported:true,where Peer == Int)
        public mutating func join(through contact: Peer) -> [Effect] {
            route(overlay.join(through: contact))
        }

        /// Broadcasts `payload` to every node; `nil` when it is over the tree's payload limit.
        @_specialize(exported:true,where Peer == Int)
        public mutating func broadcast(_ payload: [UInt8], at now: Instant) -> (
            id: Plumtree<Peer>.MessageID?, effects: [Effect]
        ) {
            let (id, effects) = tree.broadcast(payload, at: now)
            return (id, route(effects))
        }

        /// Handles a message from `sender`.
        @_specialize(exported:true,where Peer == Int, Random == SeededRandom)
        public mutating func receive<Random: RandomNumberGenerator>(
            _ message: Message, from sender: Peer, at now: Instant, using rng: inout Random
        ) -> [Effect] {
            switch message {
            case .overlay(let message):
                return route(overlay.receive(message, from: sender, at: now, using: &rng))
            case .tree(let message):
                guard prunes || message != .prune else { return [] }
                if !prunes, case .gossip(let id, _, _) = message, tree.hasDelivered(id) {
                    return []  // flooding: a duplicate is dropped, the link stays
                }
                return route(tree.receive(message, from: sender, at: now))
            }
        }

        /// Handles a timer.
        @_specialize(exported:true,where Peer == Int, Random == SeededRandom)
        public mutating func fire<Random: RandomNumberGenerator>(
            _ timer: Timer, at now: Instant, using rng: inout Random
        ) -> [Effect] {
            switch timer {
            case .overlay(let timer): return route(overlay.fire(timer, at: now, using: &rng))
            case .tree(let timer): return route(tree.fire(timer, at: now))
            }
        }

        /// `peer` could not be reached: the overlay replaces it, the tree forgets it.
        @_specialize(exported:true,where Peer == Int, Random == SeededRandom)
        public mutating func peerFailed<Random: RandomNumberGenerator>(
            _ peer: Peer, at now: Instant, using rng: inout Random
        ) -> [Effect] {
            guard !hasFixedNeighbors else {
                tree.neighborDown(peer)
                return []
            }
            return route(overlay.peerFailed(peer, at: now, using: &rng))
        }

        /// The overlay's effects, with its neighbour changes applied to the tree; the tree's as they are.
        mutating func route(_ effects: [HyParView<Peer>.Effect]) -> [Effect] {
            var routed: [Effect] = []
            routed.reserveCapacity(effects.count)
            for effect in effects {
                switch effect {
                case .send(let message, let peer): routed.append(.send(.overlay(message), to: peer))
                case .arm(let timer, let instant): routed.append(.arm(.overlay(timer), at: instant))
                case .neighborUp(let peer): tree.neighborUp(peer)
                case .neighborDown(let peer): tree.neighborDown(peer)
                }
            }
            return routed
        }

        mutating func route(_ effects: [Plumtree<Peer>.Effect]) -> [Effect] {
            effects.map { effect in
                switch effect {
                case .send(let message, let peer): .send(.tree(message), to: peer)
                case .arm(let timer, let instant): .arm(.tree(timer), at: instant)
                case .deliver(let id, let round, let payload): .deliver(id, round: round, payload: payload)
                }
            }
        }
    }
}
