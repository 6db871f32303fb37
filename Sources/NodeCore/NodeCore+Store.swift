import GossipCore
import MemberlistWire
import Replication
import SWIM
import Serf

/// The replicated store inside the node: commands, the shell's reports (durability, anti-entropy answers) and
/// the routing of the store's effects.
extension NodeCore {
    /// Why a store command was refused.
    static let notReplicating = Replication.StoreError("this node does not replicate (no replication configuration)")

    /// Writes `value` under `key`; acknowledged by `Replication.Store.Effect.acknowledged(write:_:)` with the
    /// returned identifier once durable.
    public mutating func put(_ key: String, _ value: [UInt8], at now: Instant) throws(Replication.StoreError)
        -> (write: UInt64, effects: [Effect])
    {
        guard store != nil else { throw Self.notReplicating }
        let (write, storeEffects) = try store!.put(key, value, at: now)
        absorb(storeEffects, at: now)
        return (write, takeEffects())
    }

    /// Deletes `key`; acknowledged once durable.
    public mutating func delete(_ key: String, at now: Instant) throws(Replication.StoreError)
        -> (write: UInt64, effects: [Effect])
    {
        guard store != nil else { throw Self.notReplicating }
        let (write, storeEffects) = try store!.delete(key, at: now)
        absorb(storeEffects, at: now)
        return (write, takeEffects())
    }

    /// Adds `amount` to counter `name`; the acknowledgement carries the counter's new value.
    public mutating func increment(_ name: String, by amount: Int64, at now: Instant) throws(Replication.StoreError)
        -> (write: UInt64, effects: [Effect])
    {
        guard store != nil else { throw Self.notReplicating }
        let (write, storeEffects) = try store!.increment(name, by: amount, at: now)
        absorb(storeEffects, at: now)
        return (write, takeEffects())
    }

    /// Sets this node's value of aggregate `name` (`nil` clears it); the effects start the aggregation rounds
    /// if they are not running.
    public mutating func setAggregate(_ name: String, _ value: Double?, at now: Instant) throws(Replication.StoreError)
        -> [Effect]
    {
        guard store != nil else { throw Self.notReplicating }
        absorb(try store!.setAggregate(name, value, at: now), at: now)
        return takeEffects()
    }

    /// Checks `rule` at the end of every aggregation epoch.
    public mutating func addAlert(_ rule: Replication.AlertRule) throws(Replication.StoreError) {
        guard store != nil else { throw Self.notReplicating }
        store!.addAlert(rule)
    }

    /// Starts an anti-entropy exchange with `peer` (a random replicating peer when `nil`); `nil` when there is
    /// nobody to ask.
    public mutating func synchronize(
        with peer: Replication.Store.Peer? = nil, at now: Instant, using rng: inout some RandomNumberGenerator
    ) throws(Replication.StoreError) -> (session: UInt64?, effects: [Effect]) {
        guard store != nil else { throw Self.notReplicating }
        let (session, storeEffects) = store!.synchronize(with: peer, at: now, using: &rng)
        absorb(storeEffects, at: now)
        return (session, takeEffects())
    }

    /// Drops expired tombstones now and offers the log's compaction.
    public mutating func maintainStore(at now: Instant) -> [Effect] {
        guard store != nil else { return [] }
        absorb(store!.maintain(at: now), at: now)
        return takeEffects()
    }

    /// The shell made the store's `batch` durable, or could not (`failure`).
    public mutating func persisted(
        batch: UInt64, failure: Replication.StoreError?, at now: Instant, using rng: inout some RandomNumberGenerator
    ) -> [Effect] {
        guard store != nil else { return [] }
        absorb(store!.persisted(batch: batch, failure: failure, at: now, using: &rng), at: now)
        return takeEffects()
    }

    /// A peer's answer in the store's anti-entropy exchange `session` (`nil`: none came).
    public mutating func exchangeAnswered(
        session: UInt64, reply: [UInt8]?, at now: Instant, using rng: inout some RandomNumberGenerator
    ) -> [Effect] {
        guard store != nil else { return [] }
        absorb(store!.exchangeAnswered(session: session, reply: reply, at: now, using: &rng), at: now)
        return takeEffects()
    }

    /// The answer to a replication request a peer sent on a stream; `nil` (the stream is closed unanswered)
    /// when this node does not replicate.
    public mutating func answerReplication(_ request: [UInt8], at now: Instant) -> (reply: [UInt8]?, effects: [Effect])
    {
        guard store != nil, request.first == ReplicationPayload.sync else { return (nil, []) }
        let (reply, storeEffects) = store!.answer(request, at: now)
        absorb(storeEffects, at: now)
        return (reply, takeEffects())
    }

    /// Ties the store's wall clock to the instants the shell passes (see
    /// `Replication.Store.anchorWallClock(milliseconds:at:)`).
    public mutating func anchorWallClock(milliseconds: UInt64, at instant: Instant) {
        store?.anchorWallClock(milliseconds: milliseconds, at: instant)
    }

    // MARK: - Routing

    /// Passes the store's datagrams and timers to the shell as the node's own, and the rest as they are.
    mutating func absorb(_ storeEffects: [Replication.Store.Effect], at now: Instant) {
        for effect in storeEffects {
            switch effect {
            case .broadcast(let payload):
                // Carried now; a neighbour found unreachable is replaced at the next input.
                guard broadcastTree != nil else { continue }
                _ = carry(broadcastTree!.broadcast(payload, at: now).effects, at: now)
            case .send(let payload, let peer):
                effects.append(.send([.user(payload)], to: peer.address, destination: peer.name))
            case .arm(let timer, let instant):
                effects.append(.arm(.store(timer), at: instant))
            default:
                effects.append(.store(effect))
            }
        }
    }

    /// Keeps the store's peers in step with membership: a live member replicates when its tags carry the
    /// capability.
    mutating func observeReplicatingPeer(_ event: SWIM.MembershipEvent) {
        let member: SWIM.Member
        let live: Bool
        switch event {
        case .joined(let changed), .updated(let changed), .recovered(let changed):
            member = changed
            live = changed.status == .alive
        case .suspected(let changed, _), .failed(let changed), .left(let changed), .removed(let changed):
            member = changed
            live = false
        case .refuted, .leaveCompleted, .nameConflict:
            return
        }
        guard member.name != name else { return }
        let replicating = live && Self.has(Replication.Store.Configuration.capabilityValue, member)
        store!.observe(Replication.Store.Peer(name: member.name, address: member.address), replicating: replicating)
    }

    /// Whether `member`'s `swift-gossip` tag lists `capability` (`kv` for the store, `plumtree` for the broadcast
    /// tree).
    static func has(_ capability: String, _ member: SWIM.Member) -> Bool {
        guard let tags = try? SerfTags.decode(member.metadata),
            let capabilities = tags[Replication.Store.Configuration.capabilityTag]
        else { return false }
        return capabilities.split(separator: ",").contains(Substring(capability))
    }
}
