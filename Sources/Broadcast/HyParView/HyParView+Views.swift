import GossipCore

extension Broadcast.HyParView {
    // MARK: - Joining

    /// A new node joins through this one: it becomes a neighbour, and the join walks from every other neighbour.
    mutating func receiveJoin(from node: Peer, using rng: inout some RandomNumberGenerator) {
        addToActive(node, using: &rng)
        effects.append(.send(.joinAccepted, to: node))
        for neighbor in activeView where neighbor != node {
            effects.append(.send(.forwardJoin(node: node, ttl: configuration.activeRandomWalkLength), to: neighbor))
        }
    }

    /// A join on its walk: taken as a neighbour at its end (or where there is nowhere further to go), left in the
    /// passive view halfway, passed to a random neighbour otherwise.
    mutating func receiveForwardJoin(
        node: Peer, ttl: Int, from sender: Peer, using rng: inout some RandomNumberGenerator
    ) {
        guard node != me, ttl >= 0, ttl <= configuration.activeRandomWalkLength else {
            statistics.dropped += 1
            return
        }
        let onward = activeView.count { $0 != sender && $0 != node }
        if ttl == 0 || onward == 0 {
            if !activeView.contains(node) {
                addToActive(node, using: &rng)
                effects.append(.send(.joinAccepted, to: node))
            }
            return
        }
        if ttl == configuration.passiveRandomWalkLength { addToPassive(node, using: &rng) }
        let next = activeView.element(Int.random(in: 0..<onward, using: &rng)) { $0 != sender && $0 != node }
        effects.append(.send(.forwardJoin(node: node, ttl: ttl - 1), to: next))
    }

    // MARK: - Neighbours

    /// Takes `peer` as a neighbour, dropping a random one (to the passive view, told with `DISCONNECT`) when the
    /// active view is full.
    mutating func addToActive(_ peer: Peer, using rng: inout some RandomNumberGenerator) {
        guard peer != me, !activeView.contains(peer) else { return }
        if activeView.count >= configuration.activeCapacity {
            let dropped = activeView.remove(at: Int.random(in: 0..<activeView.count, using: &rng))
            effects.append(.send(.disconnect, to: dropped))
            effects.append(.neighborDown(dropped))
            addToPassive(dropped, using: &rng)
        }
        passiveView.removeAll { $0 == peer }
        if pendingNeighbor == peer { pendingNeighbor = nil }
        activeView.append(peer)
        effects.append(.neighborUp(peer))
    }

    /// Keeps `peer` in the passive view, dropping a random one when it is full.
    mutating func addToPassive(_ peer: Peer, using rng: inout some RandomNumberGenerator) {
        guard peer != me, !activeView.contains(peer), !passiveView.contains(peer) else { return }
        if passiveView.count >= configuration.passiveCapacity {
            passiveView.remove(at: Int.random(in: 0..<passiveView.count, using: &rng))
        }
        passiveView.append(peer)
    }

    /// While the active view has room, asks one passive peer at a time to become a neighbour (urgently when this
    /// node has none).
    mutating func fillActiveView(at now: Instant, using rng: inout some RandomNumberGenerator) {
        guard pendingNeighbor == nil, activeView.count < configuration.activeCapacity else { return }
        let refused = refusedBy
        let candidates = passiveView.count { !refused.contains($0) }
        guard candidates > 0 else { return }
        let candidate = passiveView.element(Int.random(in: 0..<candidates, using: &rng)) { !refused.contains($0) }
        pendingNeighbor = candidate
        statistics.neighborRequests += 1
        effects.append(.send(.neighbor(urgent: activeView.isEmpty), to: candidate))
        effects.append(.arm(.neighborRequest(candidate), at: now + configuration.neighborTimeout))
    }

    /// A peer asks to be a neighbour: yes when it is urgent or there is room.
    mutating func receiveNeighborRequest(from peer: Peer, urgent: Bool, using rng: inout some RandomNumberGenerator) {
        let accepted = urgent || activeView.count < configuration.activeCapacity || activeView.contains(peer)
        if accepted { addToActive(peer, using: &rng) } else { addToPassive(peer, using: &rng) }
        effects.append(.send(.neighborReply(accepted: accepted), to: peer))
    }

    /// The answer to this node's neighbour request.
    mutating func receiveNeighborReply(
        from peer: Peer, accepted: Bool, at now: Instant, using rng: inout some RandomNumberGenerator
    ) {
        guard pendingNeighbor == peer else {
            // An answer that comes after its request timed out: a yes still makes a link the peer now keeps.
            if accepted, !activeView.contains(peer) {
                if activeView.count < configuration.activeCapacity {
                    addToActive(peer, using: &rng)
                } else {
                    effects.append(.send(.disconnect, to: peer))
                }
            } else if !accepted {
                statistics.dropped += 1
            }
            return
        }
        pendingNeighbor = nil
        if accepted {
            addToActive(peer, using: &rng)
        } else {
            refusedBy.insert(peer)
        }
        fillActiveView(at: now, using: &rng)
    }

    /// A neighbour dropped this node: it stays a passive peer, and the active view is refilled.
    mutating func receiveDisconnect(from peer: Peer, at now: Instant, using rng: inout some RandomNumberGenerator) {
        guard let index = activeView.firstIndex(of: peer) else { return }
        activeView.remove(at: index)
        effects.append(.neighborDown(peer))
        addToPassive(peer, using: &rng)
        fillActiveView(at: now, using: &rng)
    }
}
