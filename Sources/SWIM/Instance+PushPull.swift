import GossipCore

extension SWIM.Instance {
    /// The periodic full state exchange with one random alive member, every
    /// ``SWIM/Settings/pushPullInterval(clusterSize:)``.
    mutating func periodicPushPull(at now: Instant, using rng: inout some RandomNumberGenerator) {
        arm(.pushPull, at: now + settings.pushPullInterval(clusterSize: nodes.count))
        guard leaveState == .member else { return }
        let peer = randomMembers(1, using: &rng) { $0.name != name && $0.status == .alive }
        guard let peer = peer.first else { return }
        startPushPull(with: peer.address, join: false)
    }

    mutating func startPushPull(with address: NodeAddress, join: Bool) {
        statistics.pushPullsStarted += 1
        effects.append(.pushPull(pushPullState(join: join), to: address))
    }

    /// Reports the outcome of a push-pull this node started (periodic, join or reconnect): the peer's state,
    /// or `nil` if the exchange failed. The peer's state is merged as memberlist merges it.
    public mutating func pushPullCompleted(
        _ remote: SWIM.PushPull?, from address: NodeAddress, at now: Instant,
        using rng: inout some RandomNumberGenerator
    ) -> [SWIM.Effect] {
        guard leaveState != .left else { return [] }
        guard let remote else {
            statistics.pushPullsFailed += 1
            return []
        }
        merge(remote, at: now, using: &rng)
        return takeEffects()
    }

    /// Answers a push-pull a peer started: returns this node's state for the shell to send back, then merges
    /// the peer's (memberlist replies first, then merges).
    public mutating func answerPushPull(
        _ remote: SWIM.PushPull, from address: NodeAddress, at now: Instant,
        using rng: inout some RandomNumberGenerator
    ) -> (reply: SWIM.PushPull, effects: [SWIM.Effect]) {
        let reply = pushPullState(join: remote.join)
        guard leaveState != .left else {
            statistics.recordDrop(.afterLeave)
            return (reply, [])
        }
        statistics.pushPullsAnswered += 1
        merge(remote, at: now, using: &rng)
        return (reply, takeEffects())
    }

    /// memberlist's `mergeState`: remote alive is processed as an alive, remote left as a leave, and remote
    /// dead or suspect only as a *suspicion* (a peer's verdict never kills a member here outright).
    mutating func merge(_ remote: SWIM.PushPull, at now: Instant, using rng: inout some RandomNumberGenerator) {
        guard remote.nodes.count <= settings.maxPushPullMembers else {
            return statistics.recordDrop(.oversizedState)
        }
        guard areProtocolVersionsCompatible(with: remote.nodes) else {
            return statistics.recordDrop(.incompatibleProtocolVersions)
        }
        for state in remote.nodes {
            guard !state.name.isEmpty else {
                statistics.recordDrop(.emptyNodeName)
                continue
            }
            switch state.status {
            case .alive:
                handleAlive(
                    SWIM.Alive(
                        incarnation: state.incarnation, node: state.name, address: state.address,
                        metadata: state.metadata, protocolVersions: state.protocolVersions),
                    at: now, using: &rng)
            case .left:
                declareDead(SWIM.Dead(incarnation: state.incarnation, node: state.name, from: state.name), at: now)
            case .dead, .suspect:
                suspect(SWIM.Suspect(incarnation: state.incarnation, node: state.name, from: name), at: now)
            }
        }
    }

    /// memberlist's `verifyProtocol`: over all alive members on both sides, every member's current protocol
    /// and delegate versions must lie within the highest minimum and the lowest maximum.
    func areProtocolVersionsCompatible(with remote: [SWIM.NodeState]) -> Bool {
        var highestProtocolMin: UInt8 = 0
        var lowestProtocolMax: UInt8 = .max
        var highestDelegateMin: UInt8 = 0
        var lowestDelegateMax: UInt8 = .max
        func widen(_ versions: SWIM.ProtocolVersions) {
            highestProtocolMin = max(highestProtocolMin, versions.protocolMin)
            lowestProtocolMax = min(lowestProtocolMax, versions.protocolMax)
            highestDelegateMin = max(highestDelegateMin, versions.delegateMin)
            lowestDelegateMax = min(lowestDelegateMax, versions.delegateMax)
        }
        for state in remote where state.status == .alive { widen(state.protocolVersions) }
        for member in nodes where member.status == .alive { widen(member.protocolVersions) }
        func fits(_ versions: SWIM.ProtocolVersions) -> Bool {
            (highestProtocolMin...max(highestProtocolMin, lowestProtocolMax)).contains(versions.protocolCurrent)
                && lowestProtocolMax >= highestProtocolMin
                && (highestDelegateMin...max(highestDelegateMin, lowestDelegateMax)).contains(versions.delegateCurrent)
                && lowestDelegateMax >= highestDelegateMin
        }
        return remote.allSatisfy { fits($0.protocolVersions) } && nodes.allSatisfy { fits($0.protocolVersions) }
    }
}
