import GossipCore

extension SWIM.Instance {
    /// Handles one message that arrived in a datagram from `sender` (one part of a compound at a time).
    public mutating func receive(
        _ message: SWIM.Message, from sender: NodeAddress, at now: Instant,
        using rng: inout some RandomNumberGenerator
    ) -> [SWIM.Effect] {
        guard leaveState != .left else {
            statistics.recordDrop(.afterLeave)
            return []
        }
        switch message {
        case .ping(let ping):
            handlePing(ping, from: sender)
        case .indirectPing(let request):
            handleIndirectPing(request, from: sender, at: now)
        case .ack(let ack):
            handleAck(ack, at: now)
        case .nack(let nack):
            handleNack(nack)
        case .suspect(let suspect):
            handleSuspect(suspect, at: now)
        case .alive(let alive):
            handleAlive(alive, at: now, using: &rng)
        case .dead(let dead):
            handleDead(dead, at: now)
        case .user:
            break  // Application messages belong to the layer above (Serf); SWIM has no use for them.
        }
        return takeEffects()
    }

    /// Answers a ping with an ack to the address the pinger asked for (memberlist answers anyone).
    mutating func handlePing(_ ping: SWIM.Ping, from sender: NodeAddress) {
        guard ping.target.isEmpty || ping.target == name else {
            statistics.recordDrop(.pingForAnotherNode)
            return
        }
        send(
            .ack(SWIM.Ack(sequenceNumber: ping.sequenceNumber, payload: ackPayload)),
            to: replyAddress(ping.source, sender))
    }

    /// Probes `request.target` for the requester and relays the ack, or a nack if it wanted one.
    mutating func handleIndirectPing(_ request: SWIM.IndirectPing, from sender: NodeAddress, at now: Instant) {
        guard !request.target.isEmpty else {
            statistics.recordDrop(.emptyNodeName)
            return
        }
        let sequenceNumber = nextSequenceNumber()
        relays[sequenceNumber] = Relay(
            requesterSequenceNumber: request.sequenceNumber, replyTo: replyAddress(request.source, sender),
            wantsNack: request.wantsNack)
        let ping = SWIM.Ping(
            target: request.target, sequenceNumber: sequenceNumber, source: localMember.address, sourceNode: name)
        send(.ping(ping), to: request.targetAddress)
        arm(.relayTimeout(sequenceNumber: sequenceNumber), at: now + settings.probeTimeout)
    }

    mutating func handleAck(_ ack: SWIM.Ack, at now: Instant) {
        if let probe, probe.ping.sequenceNumber == ack.sequenceNumber {
            if !probe.indirectProbesSent {
                awareness.apply(delta: -1)  // a direct answer: our own view is healthy
                if !ack.payload.isEmpty {
                    effects.append(
                        .pingCompleted(member: probe.target, roundTrip: now - probe.startedAt, payload: ack.payload))
                }
            }
            finishProbe(startedAt: probe.startedAt, at: now)
        } else if let relay = relays.removeValue(forKey: ack.sequenceNumber) {
            send(.ack(SWIM.Ack(sequenceNumber: relay.requesterSequenceNumber)), to: relay.replyTo)
        } else {
            statistics.recordDrop(.unexpectedAck)
        }
    }

    mutating func handleNack(_ nack: SWIM.Nack) {
        guard probe?.ping.sequenceNumber == nack.sequenceNumber else {
            statistics.recordDrop(.unexpectedAck)
            return
        }
        probe?.nacks += 1
        statistics.nacksReceived += 1
    }

    /// The relay's ping got no ack within the probe timeout: forget it, and send the nack if one was wanted.
    mutating func relayTimedOut(sequenceNumber: UInt32) {
        guard let relay = relays.removeValue(forKey: sequenceNumber), relay.wantsNack else { return }
        send(.nack(SWIM.Nack(sequenceNumber: relay.requesterSequenceNumber)), to: relay.replyTo)
    }

    /// The address a message asked to be answered at, or the packet's source when it gave none.
    func replyAddress(_ requested: NodeAddress?, _ sender: NodeAddress) -> NodeAddress {
        if let requested, requested.port > 0 { return requested }
        return sender
    }
}
