import GossipCore

extension SWIM.Instance {
    /// The gossip tick (memberlist's `gossip`): pending broadcasts go to ``SWIM/Settings/gossipNodes`` random
    /// members that are alive, suspect, or dead for less than ``SWIM/Settings/gossipToTheDeadTime`` (so a
    /// falsely accused node still hears of it). One packet per member; nothing is sent when nothing is pending.
    ///
    /// Ticks are armed only while something waits to be sent; they keep their phase, so that a node gossips at
    /// the instants memberlist's ticker would, without waking for the empty ones.
    mutating func gossip(at now: Instant, using rng: inout some RandomNumberGenerator) {
        let interval = settings.gossipInterval
        if gossipTimer == .resuming, now - gossipTickDue >= interval / 4 {
            // Resumed after idle ticks: wait for the next tick on the phase.
            let missed = ((now - gossipTickDue) / interval).rounded(.down) + 1
            gossipTickDue = gossipTickDue + interval * missed
            arm(.gossip, at: gossipTickDue)
            gossipTimer = .ticking
            return
        }
        gossipTickDue = gossipTickDue + interval
        if gossipTickDue <= now { gossipTickDue = now + interval }  // the shell fell behind: no burst of ticks
        guard !broadcasts.isEmpty || !applicationBroadcasts.isEmpty else {
            gossipTimer = .idle
            return
        }
        let deadline = settings.gossipToTheDeadTime
        let targets = randomMembers(settings.gossipNodes, using: &rng) { member in
            guard member.name != name else { return false }
            switch member.status {
            case .alive, .suspect: return true
            case .dead: return now - member.statusChangedAt <= deadline
            case .left: return false
            }
        }
        let room = settings.udpBufferSize - 2 - settings.packetOverhead
        for target in targets {
            let messages = takeBroadcasts(limit: room)
            if messages.isEmpty { break }
            effects.append(.send(messages, to: target.address, destination: target.name))
        }
        noteLeaveProgress()
        if broadcasts.isEmpty && applicationBroadcasts.isEmpty {
            gossipTimer = .idle
        } else {
            arm(.gossip, at: gossipTickDue)
            gossipTimer = .ticking
        }
    }

    /// Leaves the cluster gracefully: announces a `dead` about itself (which peers read as *left*), keeps
    /// gossiping until that announcement has been transmitted, then emits
    /// ``SWIM/MembershipEvent/leaveCompleted`` and ignores every further input.
    public mutating func leave(at now: Instant, using rng: inout some RandomNumberGenerator) -> [SWIM.Effect] {
        guard leaveState == .member else { return [] }
        leaveState = .leaving
        probe = nil
        declareDead(SWIM.Dead(incarnation: localMember.incarnation, node: name, from: name), at: now)
        noteLeaveProgress()
        return takeEffects()
    }

    /// Completes a leave once its announcement is out of the queue, or at once when nobody is left to tell.
    mutating func noteLeaveProgress() {
        guard leaveState == .leaving else { return }
        let anyoneToTell = nodes.contains { $0.name != name && !$0.status.isDeadOrLeft }
        guard !broadcasts.contains(key: name) || !anyoneToTell else { return }
        leaveState = .left
        emit(.leaveCompleted)
    }
}
