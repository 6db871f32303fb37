import GossipCore

/// memberlist's state precedence (`aliveNode`, `suspectNode`, `deadNode`, `refute`).
extension SWIM.Instance {
    /// An alive wins over what this node knows if its incarnation is higher. An alive about this node with a
    /// higher incarnation, or the same incarnation but other metadata, is refuted.
    mutating func handleAlive(_ alive: SWIM.Alive, at now: Instant, using rng: inout some RandomNumberGenerator) {
        guard !alive.node.isEmpty else { return statistics.recordDrop(.emptyNodeName) }
        if leaveState != .member, alive.node == name { return }
        guard alive.protocolVersions.isValid else { return statistics.recordDrop(.invalidProtocolVersions) }
        guard alive.metadata.count <= settings.maxMetadataSize else {
            return statistics.recordDrop(.oversizedMetadata)
        }

        var addressChanges = false
        let index: Int
        if let known = indexByName[alive.node] {
            index = known
            let member = nodes[known]
            if member.address != alive.address {
                // A new address is accepted only for a member that left; otherwise two nodes claim one name.
                guard member.status == .left else {
                    if alive.node == name { emit(.nameConflict(address: alive.address)) }
                    return statistics.recordDrop(.conflictingAddress)
                }
                addressChanges = true
            }
        } else {
            // memberlist inserts unknown names as dead at incarnation 0, so an alive needs incarnation >= 1.
            guard alive.incarnation > 0 else { return }
            index = insertAtRandomPosition(
                SWIM.Member(
                    name: alive.node, address: alive.address, metadata: [], incarnation: 0,
                    status: .dead, statusChangedAt: now, protocolVersions: alive.protocolVersions),
                using: &rng)
        }

        let member = nodes[index]
        let isLocal = alive.node == name
        if isLocal {
            guard alive.incarnation >= member.incarnation else { return }
            if alive.incarnation == member.incarnation, alive.metadata.elementsEqual(member.metadata),
                alive.protocolVersions == member.protocolVersions
            {
                return
            }
            suspicions[name] = nil
            refute(accusedIncarnation: alive.incarnation, accusation: "a conflicting alive")
            return
        }
        guard alive.incarnation > member.incarnation || addressChanges else { return }

        suspicions[alive.node] = nil
        // Kept: the metadata is copied out of the packet it arrived in, for the member list and the broadcast.
        let metadata = Array(alive.metadata)
        var kept = alive
        kept.metadata = metadata[...]
        enqueueBroadcast(.alive(kept), key: alive.node)
        let previous = member
        nodes[index].incarnation = alive.incarnation
        nodes[index].metadata = metadata
        nodes[index].address = alive.address
        nodes[index].protocolVersions = alive.protocolVersions
        if previous.status != .alive {
            setStatus(.alive, ofMemberAt: index, at: now)
        }
        forgetReconnectCandidate(alive.node)
        switch previous.status {
        case .dead, .left: emit(.joined(nodes[index]))
        case .suspect: emit(.recovered(nodes[index]))
        case .alive:
            if previous.metadata != metadata || previous.address != alive.address {
                emit(.updated(nodes[index]))
            }
        }
    }

    mutating func handleSuspect(_ suspect: SWIM.Suspect, at now: Instant) {
        guard !suspect.node.isEmpty, !suspect.from.isEmpty else { return statistics.recordDrop(.emptyNodeName) }
        self.suspect(suspect, at: now)
    }

    /// A suspect about an alive member starts a Lifeguard suspicion; about an already suspected member it
    /// confirms the suspicion if the accuser is new (and is then re-gossiped); about this node it is refuted.
    mutating func suspect(_ suspect: SWIM.Suspect, at now: Instant) {
        guard let index = indexByName[suspect.node] else { return statistics.recordDrop(.unknownMember) }
        guard suspect.incarnation >= nodes[index].incarnation else { return }
        if var suspicion = suspicions[suspect.node] {
            if suspicion.confirm(by: suspect.from) {
                suspicions[suspect.node] = suspicion
                enqueueBroadcast(.suspect(suspect), key: suspect.node)
                arm(.suspicion(node: suspect.node), at: suspicion.deadline)
            }
            return
        }
        guard nodes[index].status == .alive else { return }
        if suspect.node == name {
            refute(accusedIncarnation: suspect.incarnation, accusation: "a suspicion by \(suspect.from)")
            return
        }
        enqueueBroadcast(.suspect(suspect), key: suspect.node)
        nodes[index].incarnation = suspect.incarnation
        setStatus(.suspect, ofMemberAt: index, at: now)
        let size = nodes.count
        let suspicion = SWIM.Suspicion(
            accuser: suspect.from, confirmationsWanted: settings.suspicionConfirmationsWanted(clusterSize: size),
            minimumTimeout: settings.suspicionMinimumTimeout(clusterSize: size),
            maximumTimeout: settings.suspicionMaximumTimeout(clusterSize: size), start: now)
        suspicions[suspect.node] = suspicion
        arm(.suspicion(node: suspect.node), at: suspicion.deadline)
        statistics.suspicions += 1
        emit(.suspected(nodes[index], by: suspect.from))
    }

    /// The suspicion timer of `node` fired: if the suspicion still stands and its (possibly shortened)
    /// deadline has passed, declare the member dead.
    mutating func suspicionMayHaveExpired(node: String, at now: Instant) {
        guard let suspicion = suspicions[node], now >= suspicion.deadline else { return }
        suspicions[node] = nil
        guard let index = indexByName[node], nodes[index].status == .suspect,
            nodes[index].statusChangedAt == suspicion.start
        else { return }
        declareDead(SWIM.Dead(incarnation: nodes[index].incarnation, node: node, from: name), at: now)
    }

    mutating func handleDead(_ dead: SWIM.Dead, at now: Instant) {
        guard !dead.node.isEmpty, !dead.from.isEmpty else { return statistics.recordDrop(.emptyNodeName) }
        declareDead(dead, at: now)
    }

    /// A dead at or above the known incarnation ends a live member (as left when it is about its sender).
    /// About this node it is refuted, unless this node is leaving.
    mutating func declareDead(_ dead: SWIM.Dead, at now: Instant) {
        guard let index = indexByName[dead.node] else { return statistics.recordDrop(.unknownMember) }
        guard dead.incarnation >= nodes[index].incarnation else { return }
        suspicions[dead.node] = nil
        guard !nodes[index].status.isDeadOrLeft else { return }
        if dead.node == name, leaveState == .member {
            refute(accusedIncarnation: dead.incarnation, accusation: "a death notice from \(dead.from)")
            return
        }
        enqueueBroadcast(.dead(dead), key: dead.node)
        nodes[index].incarnation = dead.incarnation
        setStatus(dead.isLeave ? .left : .dead, ofMemberAt: index, at: now)
        guard dead.node != name else { return }
        if dead.isLeave {
            forgetReconnectCandidate(dead.node)
            emit(.left(nodes[index]))
        } else {
            statistics.deaths += 1
            rememberReconnectCandidate(nodes[index], at: now)
            emit(.failed(nodes[index]))
        }
    }

    /// Moves this node past `accusedIncarnation`, announces it alive, and counts the accusation against its
    /// own health (Lifeguard: a node that is accused is probably the slow one).
    mutating func refute(accusedIncarnation: UInt32, accusation: String) {
        let index = indexByName[name]!
        var incarnation = nodes[index].incarnation &+ 1
        if accusedIncarnation >= incarnation { incarnation = accusedIncarnation &+ 1 }
        nodes[index].incarnation = incarnation
        awareness.apply(delta: 1)
        statistics.refutations += 1
        enqueueBroadcast(.alive(aliveMessage(for: nodes[index])), key: name)
        emit(.refuted(incarnation: incarnation, accusation: accusation))
    }

    /// Appends `member` and swaps it with a random position, so that new members are not all probed last.
    mutating func insertAtRandomPosition(_ member: SWIM.Member, using rng: inout some RandomNumberGenerator) -> Int {
        let last = nodes.count
        nodes.append(member)
        indexByName[member.name] = last
        let offset = rng.nextIndex(below: last + 1)
        guard offset != last else { return last }
        nodes.swapAt(offset, last)
        indexByName[nodes[last].name] = last
        indexByName[member.name] = offset
        return offset
    }
}
