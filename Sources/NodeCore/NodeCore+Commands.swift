import GossipCore
import MemberlistWire
import SWIM
import Serf

/// What the application asks of a node: Serf's commands (events, queries, tags, keys, force-leave), and
/// memberlist's for a plain member (metadata, broadcasts).
extension NodeCore {
    /// Sends a user event to every member; it is delivered here first. See
    /// `Serf.Layer.sendUserEvent(name:payload:coalesce:sizeLimit:at:)`. With the broadcast tree it goes on the
    /// tree (and Serf's way too while Serf agents are members and it fits Serf's limit).
    ///
    /// - Throws: `Serf.CommandError` when it is over the size limit (Serf's 512 bytes, or the tree's
    ///   ``TreeConfiguration/userEventSizeLimit``) or Serf's layer is off.
    public mutating func sendUserEvent(
        name: String, payload: [UInt8], coalesce: Bool = true, at now: Instant,
        using rng: inout some RandomNumberGenerator
    ) throws(Serf.CommandError) -> [Effect] {
        guard !hasStopped, serf != nil else { throw Self.notRunningSerf }
        guard let tree = configuration.broadcastTree, broadcastTree != nil else {
            absorb(
                try serf!.sendUserEvent(name: name, payload: payload, coalesce: coalesce, at: now), at: now,
                using: &rng)
            return takeEffects()
        }
        let serfEffects = try serf!.sendUserEvent(
            name: name, payload: payload, coalesce: coalesce, sizeLimit: tree.userEventSizeLimit, at: now)
        let fitsSerf = name.utf8.count + payload.count <= Serf.userEventSizeLimit
        absorbTreeEvent(serfEffects, originated: true, fitsSerf: fitsSerf, at: now, using: &rng)
        return takeEffects()
    }

    /// Asks the cluster a query; its answers come as ``Effect/queryAnswer(id:_:)`` with the returned ID until
    /// ``Effect/queryFinished(id:)``.
    ///
    /// - Throws: `Serf.CommandError` when it is over Serf's size limit or Serf's layer is off.
    public mutating func ask(
        _ request: Serf.QueryRequest, at now: Instant, using rng: inout some RandomNumberGenerator
    ) throws(Serf.CommandError) -> (id: UInt32, effects: [Effect]) {
        guard !hasStopped, serf != nil else { throw Self.notRunningSerf }
        let (id, serfEffects) = try serf!.ask(request, membership: membership, at: now, using: &rng)
        absorb(serfEffects, at: now, using: &rng)
        return (id, takeEffects())
    }

    /// Answers an open user query; `nil` when it is unknown, past its timeout or already answered.
    public mutating func respond(
        toQuery lamportTime: UInt64, id: UInt32, payload: [UInt8], at now: Instant,
        using rng: inout some RandomNumberGenerator
    ) -> [Effect]? {
        guard !hasStopped, serf != nil,
            let serfEffects = serf!.respond(
                toQuery: lamportTime, id: id, payload: payload, membership: membership, using: &rng)
        else { return nil }
        absorb(serfEffects, at: now, using: &rng)
        return takeEffects()
    }

    /// Asks every member to carry out a key operation; the tally comes as ``Effect/keyOperationFinished(id:_:)``.
    ///
    /// - Throws: `Serf.CommandError` when Serf's layer is off.
    public mutating func manageKeys(
        _ operation: Serf.KeyOperation, key: [UInt8] = [], at now: Instant, using rng: inout some RandomNumberGenerator
    ) throws(Serf.CommandError) -> (id: UInt32, effects: [Effect]) {
        guard !hasStopped, serf != nil else { throw Self.notRunningSerf }
        let (id, serfEffects) = serf!.manageKeys(operation, key: key, membership: membership, at: now, using: &rng)
        absorb(serfEffects, at: now, using: &rng)
        return (id, takeEffects())
    }

    /// Serf's force-leave of `name`: a failed member becomes left here and on every Serf agent; anything else is
    /// left as it is, without an error (as in Serf). A plain memberlist member marks a dead member left.
    public mutating func forceLeave(
        _ name: String, at now: Instant, using rng: inout some RandomNumberGenerator
    ) -> [Effect] {
        guard !hasStopped else { return [] }
        if serf != nil {
            absorb(serf!.forceLeave(name, membership: membership, at: now), at: now, using: &rng)
        } else {
            absorb(membership.forceLeave(name, at: now, using: &rng).effects, at: now, using: &rng)
        }
        return takeEffects()
    }

    /// Sets and deletes Serf tags and announces the new metadata with a new incarnation, as
    /// `serf tags -set k=v -delete k` does.
    ///
    /// - Throws: `WireError.metadataTooLarge` when the encoded tags would be over the limit; nothing changes then.
    public mutating func updateTags(
        set: [String: String] = [:], delete: [String] = [], at now: Instant,
        using rng: inout some RandomNumberGenerator
    ) throws(WireError) -> [Effect] {
        var tags = self.tags
        for key in delete { tags[key] = nil }
        tags.merge(set) { $1 }
        return try updateMetadata(try SerfTags.encode(tags), at: now, using: &rng)
    }

    /// Replaces this node's metadata (with Serf's layer, prefer ``updateTags(set:delete:at:using:)``) and
    /// announces it with a new incarnation.
    ///
    /// - Throws: `WireError.metadataTooLarge` when `metadata` is over the limit.
    public mutating func updateMetadata(
        _ metadata: [UInt8], at now: Instant, using rng: inout some RandomNumberGenerator
    ) throws(WireError) -> [Effect] {
        guard !hasStopped else { return [] }
        do {
            absorb(try membership.updateMetadata(metadata, at: now, using: &rng), at: now, using: &rng)
        } catch {
            throw .metadataTooLarge(size: metadata.count, limit: membership.settings.maxMetadataSize)
        }
        return takeEffects()
    }

    /// Queues `payload` for gossip to every member (memberlist's `TransmitLimitedQueue` of a delegate); a newer
    /// broadcast with the same `key` replaces it. The effects arm the gossip tick if none is armed.
    public mutating func broadcast(
        _ payload: [UInt8], key: String, at now: Instant, using rng: inout some RandomNumberGenerator
    ) -> [Effect] {
        absorb(membership.broadcast(payload, key: key), at: now, using: &rng)
        return takeEffects()
    }

    static let notRunningSerf = Serf.CommandError("Serf's layer is not running on this node")
}
