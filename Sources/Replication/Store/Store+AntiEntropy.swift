import GossipCore

extension Replication.Store {
    /// Starts an anti-entropy exchange with `peer` (a random replicating peer when `nil`): Merkle trees compared,
    /// then what the peer holds newer fetched and what this store holds newer pushed. The returned session (`nil`
    /// with no peer to ask) ends with ``Effect/synchronized(session:peer:_:)``, once what it fetched is durable.
    public mutating func synchronize(
        with peer: Peer? = nil, at now: Instant, using rng: inout some RandomNumberGenerator
    ) -> (session: UInt64?, effects: [Effect]) {
        let session = startExchange(with: peer, at: now, using: &rng)
        return (session, takeEffects(at: now))
    }

    /// The anti-entropy round: this replica's digest (its tree's depth and root) in one datagram to a random
    /// peer. A peer whose replica differs opens an exchange with this one at once; replicas that agree exchange
    /// nothing more than that datagram.
    mutating func sendDigest(using rng: inout some RandomNumberGenerator) {
        guard let peer = randomPeers(1, using: &rng).first else { return }
        var payload = [ReplicationPayload.digest, UInt8(truncatingIfNeeded: configuration.treeDepth)]
        withUnsafeBytes(of: replica.tree.root.bigEndian) { payload += $0 }
        effects.append(.send(payload, to: peer))
        statistics.digestsSent += 1
    }

    /// A peer's digest: an exchange with it when its replica differs from this one (and none is running).
    mutating func receiveDigest(
        _ payload: [UInt8], from sender: NodeAddress, at now: Instant, using rng: inout some RandomNumberGenerator
    ) {
        guard payload.count == 10 else {
            statistics.malformedMessages += 1
            return
        }
        let root = payload[2...].reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
        guard Int(payload[1]) != configuration.treeDepth || root != replica.tree.root else { return }
        statistics.digestsDiffering += 1
        guard sessions.isEmpty, let name = peerNames.first(where: { peersByName[$0] == sender }) else { return }
        startExchange(with: Peer(name: name, address: sender), at: now, using: &rng)
    }

    @discardableResult
    mutating func startExchange(
        with peer: Peer? = nil, at now: Instant, using rng: inout some RandomNumberGenerator
    ) -> UInt64? {
        guard let peer = peer ?? randomPeers(1, using: &rng).first else { return nil }
        nextSession += 1
        var initiator = Replication.AntiEntropyInitiator(depth: configuration.treeDepth)
        let request = initiator.start()
        sessions[nextSession] = Session(peer: peer, initiator: initiator, outcome: nil)
        effects.append(.exchange(Self.wrapSync(request), with: peer, session: nextSession))
        return nextSession
    }

    /// The peer's answer to the last request of exchange `session` (`nil`: none came in time, or the stream
    /// failed): the next request, or the end of the exchange.
    public mutating func exchangeAnswered(
        session: UInt64, reply: [UInt8]?, at now: Instant, using rng: inout some RandomNumberGenerator
    ) -> [Effect] {
        guard var current = sessions[session] else { return [] }
        guard let reply, reply.first == ReplicationPayload.sync else {
            failExchange(session, Replication.StoreError("no anti-entropy answer from \(current.peer.name)"))
            return takeEffects(at: now)
        }
        let message: Replication.SyncMessage
        do {
            message = try Replication.SyncMessage(decoding: reply.dropFirst())
        } catch {
            statistics.malformedMessages += 1
            failExchange(
                session, Replication.StoreError("malformed anti-entropy answer from \(current.peer.name): \(error)"))
            return takeEffects(at: now)
        }
        do {
            switch try current.initiator.receive(message, replica: replica) {
            case .send(let next):
                sessions[session] = current
                effects.append(.exchange(Self.wrapSync(next), with: current.peer, session: session))
            case .finished(let outcome):
                current.outcome = outcome
                sessions[session] = current
                statistics.entriesPushed += outcome.pushed
                offer(outcome.fetched, origin: .antiEntropy, session: session, at: now)
            }
        } catch {
            failExchange(session, Replication.StoreError("\(error)"))
        }
        return takeEffects(at: now)
    }

    /// What this store answers to an anti-entropy request a peer sent on a stream (the payload behind
    /// ``ReplicationPayload/sync``): a reply from the replica, or for a push the number of entries taken (they
    /// are made durable with ``Effect/persist(_:batch:)`` among the returned effects).
    public mutating func answer(_ request: [UInt8], at now: Instant) -> (reply: [UInt8], effects: [Effect]) {
        let reply: Replication.SyncMessage
        do {
            let message = try Replication.SyncMessage(decoding: request.dropFirst())
            if case .push(let entries) = message {
                reply = .accepted(UInt32(offer(entries, origin: .antiEntropy, at: now)))
            } else {
                reply = replica.answer(message)
            }
        } catch {
            statistics.malformedMessages += 1
            reply = .refused("\(error)")
        }
        statistics.requestsAnswered += 1
        return (Self.wrapSync(reply), takeEffects(at: now))
    }

    /// The fetched entries of exchange `session` are durable: the exchange is over.
    mutating func finishExchange(_ session: UInt64) {
        guard let current = sessions[session], let outcome = current.outcome else { return }
        sessions[session] = nil
        statistics.exchangesCompleted += 1
        statistics.entriesFetched += outcome.fetched.count
        effects.append(.synchronized(session: session, peer: current.peer, .success(outcome)))
    }

    mutating func failExchange(_ session: UInt64, _ failure: Replication.StoreError) {
        guard let current = sessions.removeValue(forKey: session) else { return }
        statistics.exchangesFailed += 1
        effects.append(.synchronized(session: session, peer: current.peer, .failure(failure)))
    }

    static func wrapSync(_ message: Replication.SyncMessage) -> [UInt8] {
        ReplicationPayload.wrap(ReplicationPayload.sync, message.encode())
    }
}
