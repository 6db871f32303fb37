import GossipCore

/// Serf's reconnect: memberlist forgets dead members, so two halves of a healed partition would never find each
/// other again. Like Serf, every ``SWIM/Settings/reconnectInterval`` a node picks a random dead member, with
/// probability `dead / alive` (so the cluster as a whole tries each dead member about once per interval), and
/// joins it with a push-pull.
extension SWIM.Instance {
    mutating func reconnect(at now: Instant, using rng: inout some RandomNumberGenerator) {
        arm(.reconnect, at: now + settings.reconnectInterval)
        let timeout = settings.reconnectTimeout
        reconnectCandidates.removeAll { now - $0.failedAt > timeout }
        guard leaveState == .member, !reconnectCandidates.isEmpty else { return }
        let alive = max(1, nodes.reduce(0) { $0 + ($1.status.isDeadOrLeft ? 0 : 1) })
        let probability = Double(reconnectCandidates.count) / Double(alive)
        guard rng.nextUnitDouble() < probability else { return }
        let candidate = reconnectCandidates[rng.nextIndex(below: reconnectCandidates.count)]
        statistics.reconnectAttempts += 1
        startPushPull(with: candidate.address, join: true)
    }

    /// Names of dead members that reconnect may still try, oldest first.
    public var reconnectCandidateNames: [String] { reconnectCandidates.map(\.name) }

    mutating func rememberReconnectCandidate(_ member: SWIM.Member, at now: Instant) {
        forgetReconnectCandidate(member.name)
        reconnectCandidates.append(ReconnectCandidate(name: member.name, address: member.address, failedAt: now))
    }

    mutating func forgetReconnectCandidate(_ name: String) {
        reconnectCandidates.removeAll { $0.name == name }
    }
}

extension SWIM.Instance {
    /// Serf's force-leave: a member marked dead is marked left instead, so that reconnect stops trying it and
    /// applications see it as gone for good. Nothing is gossiped (Serf spreads its own leave intent); a member
    /// that is not dead is left alone. Returns whether the member was dead.
    public mutating func forceLeave(
        _ name: String, at now: Instant, using rng: inout some RandomNumberGenerator
    ) -> (wasDead: Bool, effects: [SWIM.Effect]) {
        guard let index = indexByName[name], nodes[index].status == .dead else { return (false, []) }
        setStatus(.left, ofMemberAt: index, at: now)
        forgetReconnectCandidate(name)
        emit(.left(nodes[index]))
        return (true, takeEffects())
    }
}
