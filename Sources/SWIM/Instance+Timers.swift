import GossipCore

extension SWIM.Instance {
    /// Handles a timer this instance armed earlier. Timers that no longer apply are ignored.
    public mutating func fire(
        _ timer: SWIM.Timer, at now: Instant, using rng: inout some RandomNumberGenerator
    ) -> [SWIM.Effect] {
        guard leaveState != .left else { return [] }
        switch timer {
        case .probe:
            if leaveState == .member, probe == nil {
                startNextProbe(at: now, using: &rng)
            }
        case .probeTimeout(let sequenceNumber):
            probeTimedOut(sequenceNumber: sequenceNumber, at: now, using: &rng)
        case .probeDeadline(let sequenceNumber):
            probeDeadlinePassed(sequenceNumber: sequenceNumber, at: now)
        case .relayTimeout(let sequenceNumber):
            relayTimedOut(sequenceNumber: sequenceNumber)
        case .gossip:
            gossip(at: now, using: &rng)
        case .pushPull:
            periodicPushPull(at: now, using: &rng)
        case .suspicion(let node):
            suspicionMayHaveExpired(node: node, at: now)
        case .reconnect:
            reconnect(at: now, using: &rng)
        }
        return takeEffects()
    }
}
