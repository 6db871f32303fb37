import MemberlistWire
import SWIM
import Serf

/// What the node does with the Serf messages it receives inside memberlist `user` messages: user events are
/// delivered once and passed on, leave intents about failed members are force-leaves, queries are answered; the
/// rest is tolerated.
extension GossipNode {
    /// Handles one Serf message (`payload` is its encoding, passed on as it is).
    func handle(_ message: SerfMessage, payload: [UInt8]) {
        if case .userEvent(let event) = message {
            if serf.isNew(event) {
                // New to us: pass it on (Serf rebroadcasts every new event) and deliver it.
                instance?.broadcast(payload, key: Self.broadcastKey(of: event))
                deliver(event)
            }
            return
        }
        if case .join(let intent) = message {
            let known = instance?.member(named: intent.node) != nil
            if serf.intents.receive(.join, about: intent.node, at: intent.lamportTime, known: known, now: sinceStart) {
                instance?.broadcast(payload, key: "intent \(intent.node)")
            }
            return
        }
        if case .leave(let intent) = message {
            let known = intent.node == configuration.name || instance?.member(named: intent.node) != nil
            guard
                serf.intents.receive(.leave, about: intent.node, at: intent.lamportTime, known: known, now: sinceStart)
            else { return }
            if intent.node == configuration.name {
                // A new leave intent about this node while it is not leaving (a force-leave from a partition's
                // other side): refuted with a newer join intent, as Serf does.
                if !isLeaving {
                    instance?.broadcast(serf.joinIntent(about: configuration.name), key: "intent \(configuration.name)")
                }
                return
            }
            instance?.broadcast(payload, key: "intent \(intent.node)")
            markLeaving(intent.node)
            // A leave intent about a failed member is a force-leave: it is gone for good.
            applyForceLeave(intent.node)
            return
        }
        if case .queryResponse(let response) = message {
            collect(response)
            return
        }
        if case .relay(let relay) = message {
            forward(relay)
            return
        }
        guard case .query(let query) = message else { return }
        serf.witnessQuery(query.lamportTime)
        guard query.name.hasPrefix(Self.keyQueryPrefix) else {
            handleUserQuery(query, payload: payload)
            return
        }
        handleInternalQuery(query, payload: payload)
    }
}

extension GossipNode {
    /// Serf's force-leave: a failed member becomes left here, and a leave intent about it tells the Serf
    /// agents to do the same. Returns `false` when the member is unknown or not failed.
    @discardableResult
    public func forceLeave(_ name: String) -> Bool {
        guard isRunning, applyForceLeave(name) else { return false }
        let intent = serf.leaveIntent(about: name)
        for member in members where member.name != configuration.name && member.status == .alive {
            send([.user(intent)], to: member.address, destination: member.name)
        }
        return true
    }

    @discardableResult
    func applyForceLeave(_ name: String) -> Bool {
        guard var instance else { return false }
        let (wasDead, effects) = instance.forceLeave(name, at: now, using: &rng)
        self.instance = instance
        execute(effects)
        if wasDead { return true }
        // The protocol may have forgotten a member failed for a while; Serf's list still holds it.
        guard instance.member(named: name) == nil, memberReaper.status(of: name) == .failed,
            var member = lastKnownMembers[name]
        else { return false }
        member.status = .left
        execute([.event(.left(member))])
        return true
    }
}
