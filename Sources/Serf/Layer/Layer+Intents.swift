import GossipCore
import MemberlistWire
import SWIM

/// Serf's join and leave intents: a member's status time orders them, stale ones are dropped, ones about a node
/// not yet known wait for it; a leave intent about a failed member is a force-leave, and one about this node that
/// it did not send is refuted.
extension Serf.Layer {
    /// Begins a graceful leave: the snapshot records it, and a leave intent goes straight to every live member
    /// (Serf shows a member as `left` only when an intent announced it, otherwise as `failed`). The membership
    /// layer's own leave follows, once the intents had a gossip interval to arrive.
    public mutating func beginLeave(membership: SWIM.Instance) -> [Serf.Effect] {
        guard !isLeaving else { return [] }
        isLeaving = true
        if configuration.recordsSnapshot {
            effects.append(.snapshot([Serf.Snapshot.leaveLine]))
            effects.append(.flushSnapshot)
        }
        let intent = leaveIntent(about: name)
        for member in membership.members where member.name != name && member.status == .alive {
            effects.append(.send(intent, to: member.address, destination: member.name))
        }
        return takeEffects()
    }

    /// Serf's force-leave: a leave intent about `node` goes to every live member (Serf agents then mark it `left`
    /// if it has failed), and is applied here: a failed member becomes `left`. As in Serf, a name that is not a
    /// failed member is not an error: nothing changes for it.
    public mutating func forceLeave(_ node: String, membership: SWIM.Instance, at now: Instant) -> [Serf.Effect] {
        let intent = leaveIntent(about: node)
        for member in membership.members where member.name != name && member.status == .alive {
            effects.append(.send(intent, to: member.address, destination: member.name))
        }
        applyLeave(of: node, membership: membership, at: now)
        return takeEffects()
    }

    /// Whether `node` is failed as Serf lists it (memberlist may have forgotten it already).
    public func isFailed(_ node: String, membership: SWIM.Instance) -> Bool {
        if let member = membership.member(named: node) { return member.status == .dead }
        return reaper.status(of: node) == .failed
    }

    mutating func receiveJoinIntent(
        _ intent: SerfMessage.JoinIntent, payload: [UInt8], membership: SWIM.Instance, at now: Instant
    ) {
        let known = membership.member(named: intent.node) != nil
        guard intents.receive(.join, about: intent.node, at: intent.lamportTime, known: known, now: Self.duration(now))
        else { return }
        // A newer join intent cancels a leave in progress (a refuted force-leave): the member is alive again.
        if reaper.status(of: intent.node) == .leaving {
            reaper.update(intent.node, to: .alive, now: Self.duration(now))
        }
        effects.append(.broadcast(payload, key: "intent \(intent.node)"))
    }

    mutating func receiveLeaveIntent(
        _ intent: SerfMessage.LeaveIntent, payload: [UInt8], membership: SWIM.Instance, at now: Instant
    ) {
        let known = intent.node == name || membership.member(named: intent.node) != nil
        guard intents.receive(.leave, about: intent.node, at: intent.lamportTime, known: known, now: Self.duration(now))
        else { return }
        if intent.node == name {
            // A new leave intent about this node while it is not leaving (a force-leave from a partition's other
            // side): refuted with a newer join intent, as Serf does.
            if !isLeaving {
                let refutation = SerfMessage.join(SerfMessage.JoinIntent(lamportTime: memberClock.stamp(), node: name))
                effects.append(.broadcast(refutation.encode(), key: "intent \(name)"))
            }
            return
        }
        effects.append(.broadcast(payload, key: "intent \(intent.node)"))
        if membership.member(named: intent.node)?.status == .alive {
            // Its leave intent arrived before memberlist saw it go.
            reaper.update(intent.node, to: .leaving, now: Self.duration(now))
        }
        applyLeave(of: intent.node, membership: membership, at: now)
    }

    /// A leave intent about `node`: a failed member is gone for good (memberlist marks it left; a member
    /// memberlist has forgotten but Serf still lists as failed becomes left here).
    mutating func applyLeave(of node: String, membership: SWIM.Instance, at now: Instant) {
        if let member = membership.member(named: node) {
            if member.status == .dead { effects.append(.forceLeave(node)) }
            return
        }
        guard reaper.status(of: node) == .failed, var member = lastKnownMembers[node] else { return }
        member.status = .left
        effects.append(.member(.left(member)))
        lastKnownMembers[node] = member
        reaper.update(node, to: .left, now: Self.duration(now))
    }

    /// A leave intent about `node` (this node, or a failed one to force out), stamped with the member clock,
    /// which then moves on.
    mutating func leaveIntent(about node: String) -> [UInt8] {
        SerfMessage.leave(SerfMessage.LeaveIntent(lamportTime: memberClock.stamp(), node: node)).encode()
    }
}
