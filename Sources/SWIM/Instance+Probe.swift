import GossipCore

extension SWIM.Instance {
    /// Walks the member list round-robin to the next member worth probing and probes it (memberlist's
    /// `probe`). At each wrap-around the list is purged of long-dead members and shuffled.
    mutating func startNextProbe(at now: Instant, using rng: inout some RandomNumberGenerator) {
        var checked = 0
        while checked < nodes.count {
            if probeIndex >= nodes.count {
                resetMembers(at: now, using: &rng)
                probeIndex = 0
                checked += 1
                continue
            }
            let candidate = nodes[probeIndex]
            probeIndex += 1
            if candidate.name == name || candidate.status.isDeadOrLeft {
                checked += 1
                continue
            }
            probe(candidate, at: now)
            return
        }
        arm(.probe, at: now + settings.probeInterval)  // nobody to probe yet
    }

    /// Removes members dead or left for longer than ``SWIM/Settings/gossipToTheDeadTime`` and shuffles the
    /// probe order (memberlist's `resetNodes`; left members are purged too, as memberlist does from 0.3.1).
    mutating func resetMembers(at now: Instant, using rng: inout some RandomNumberGenerator) {
        let expiry = settings.gossipToTheDeadTime
        var kept: [SWIM.Member] = []
        kept.reserveCapacity(nodes.count)
        for member in nodes {
            if member.status.isDeadOrLeft, now - member.statusChangedAt > expiry, member.name != name {
                emit(.removed(member))
            } else {
                kept.append(member)
            }
        }
        nodes = kept
        nodes.shuffle(using: &rng)
        indexByName.removeAll(keepingCapacity: true)
        for (index, member) in nodes.enumerated() {
            indexByName[member.name] = index
        }
    }

    /// Sends the ping (with a suspect attached if the target is suspected, so it can refute at once) and arms
    /// the direct-ack timeout and the health-scaled probe deadline.
    mutating func probe(_ target: SWIM.Member, at now: Instant) {
        let ping = SWIM.Ping(
            target: target.name, sequenceNumber: nextSequenceNumber(), source: localMember.address,
            sourceNode: name)
        let scaledInterval = awareness.scale(settings.probeInterval)
        probe = ProbeState(
            target: target.name, targetAddress: target.address, targetIncarnation: target.incarnation, ping: ping,
            startedAt: now, deadline: now + scaledInterval)
        statistics.probes += 1
        if target.status == .alive {
            send(.ping(ping), to: target.address)
        } else {
            let suspect = SWIM.Suspect(incarnation: target.incarnation, node: target.name, from: name)
            effects.append(.send([.ping(ping), .suspect(suspect)], to: target.address, destination: target.name))
        }
        arm(.probeTimeout(sequenceNumber: ping.sequenceNumber), at: now + settings.probeTimeout)
        arm(.probeDeadline(sequenceNumber: ping.sequenceNumber), at: now + scaledInterval)
    }

    /// No direct ack within the probe timeout: ask up to ``SWIM/Settings/indirectChecks`` alive members to
    /// ping the target, and try it over a stream if it speaks protocol 3 or later.
    mutating func probeTimedOut(
        sequenceNumber: UInt32, at now: Instant, using rng: inout some RandomNumberGenerator
    ) {
        guard var current = probe, current.ping.sequenceNumber == sequenceNumber, !current.indirectProbesSent else {
            return
        }
        current.indirectProbesSent = true
        let helpers = randomMembers(settings.indirectChecks, using: &rng) {
            $0.status == .alive && $0.name != name && $0.name != current.target
        }
        for helper in helpers {
            let wantsNack = helper.protocolVersions.protocolMax >= 4
            if wantsNack { current.expectedNacks += 1 }
            let request = SWIM.IndirectPing(
                wantsNack: wantsNack, target: current.target, targetAddress: current.targetAddress,
                sequenceNumber: sequenceNumber, source: localMember.address, sourceNode: name)
            send(.indirectPing(request), to: helper.address)
        }
        statistics.indirectProbes += helpers.count
        let targetSpeaksStreams = (member(named: current.target)?.protocolVersions.protocolMax ?? 0) >= 3
        if !settings.disableStreamPings, targetSpeaksStreams {
            current.streamPingPending = true
            statistics.streamPings += 1
            effects.append(.streamPing(current.ping, to: current.targetAddress, deadline: current.deadline))
        }
        probe = current
    }

    /// The health-scaled probe window closed without an ack. Waits for a stream ping still in flight (its
    /// deadline is the same instant), then fails the probe.
    mutating func probeDeadlinePassed(sequenceNumber: UInt32, at now: Instant) {
        guard var current = probe, current.ping.sequenceNumber == sequenceNumber else { return }
        if current.streamPingPending {
            current.deadlinePassed = true
            probe = current
            return
        }
        concludeFailedProbe(current, at: now)
    }

    /// Reports the outcome of a stream ping requested by ``SWIM/Effect/streamPing(_:to:deadline:)``.
    public mutating func streamPingCompleted(
        sequenceNumber: UInt32, acknowledged: Bool, at now: Instant, using rng: inout some RandomNumberGenerator
    ) -> [SWIM.Effect] {
        guard leaveState != .left, var current = probe, current.ping.sequenceNumber == sequenceNumber,
            current.streamPingPending
        else { return [] }
        current.streamPingPending = false
        current.streamPingAcknowledged = acknowledged
        probe = current
        if current.deadlinePassed {
            concludeFailedProbe(current, at: now)
        }
        return takeEffects()
    }

    /// Neither the ping nor the indirect probes got an ack in time. If only the stream ping got through, the
    /// network is misconfigured but the target lives; otherwise adjust the health score by the missing nacks
    /// (or by one when no helper could send nacks) and suspect the target.
    mutating func concludeFailedProbe(_ failed: ProbeState, at now: Instant) {
        defer { finishProbe(startedAt: failed.startedAt, at: now) }
        if failed.streamPingAcknowledged {
            statistics.streamPingOnlySuccesses += 1
            return
        }
        if failed.expectedNacks > 0 {
            awareness.apply(delta: max(0, failed.expectedNacks - failed.nacks))
        } else {
            awareness.apply(delta: 1)
        }
        statistics.failedProbes += 1
        suspect(SWIM.Suspect(incarnation: failed.targetIncarnation, node: failed.target, from: name), at: now)
    }

    /// Ends the current probe; the next starts one probe interval after this one started, or now if this one
    /// ran longer (memberlist's ticker keeps one pending tick).
    mutating func finishProbe(startedAt: Instant, at now: Instant) {
        probe = nil
        arm(.probe, at: max(startedAt + settings.probeInterval, now))
    }
}
