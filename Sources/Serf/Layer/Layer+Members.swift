import GossipCore
import MemberlistWire
import SWIM

/// The member list as Serf shows it: memberlist forgets dead members after a short while, Serf keeps them as
/// `failed` until the reconnect timeout and members that left as `left` until the tombstone timeout, then reaps
/// them (`member-reap`). The snapshot records the same changes.
extension Serf.Layer {
    /// Every member as Serf lists it, sorted by name: live ones as the membership layer knows them, failed and
    /// left ones as last seen, until they are reaped.
    public func members(membership: SWIM.Instance) -> [SWIM.Member] {
        var byName: [String: SWIM.Member] = [:]
        for member in membership.members { byName[member.name] = member }
        for name in reaper.names where byName[name] == nil {
            guard var member = lastKnownMembers[name] else { continue }
            switch reaper.status(of: name) {
            case .left: member.status = .left
            case .failed: member.status = .dead
            default: break
            }
            byName[name] = member
        }
        return byName.values.sorted { $0.name < $1.name }
    }

    /// Serf's status of `node` (`alive`, `leaving`, `left`, `failed`), if it is listed.
    public func status(of node: String) -> Serf.MemberReaper.Status? { reaper.status(of: node) }

    /// Members that came back within the flap timeout of failing, so far.
    public var flaps: Int { reaper.flaps }

    /// Keeps Serf's list in step with a membership event; returns whether the application should see the event
    /// (memberlist forgetting a dead member is not a Serf event: the reaper reports the reap later).
    mutating func track(_ event: SWIM.MembershipEvent, at now: Instant) -> Bool {
        let since = Self.duration(now)
        switch event {
        case .joined(let member):
            lastKnownMembers[member.name] = member
            // A leave intent that arrived before the member did marks it leaving (Serf's recent intents).
            let pending = intents.memberAppeared(member.name, now: since)
            reaper.update(member.name, to: pending == .leave ? .leaving : .alive, now: since)
        case .recovered(let member), .updated(let member):
            lastKnownMembers[member.name] = member
            reaper.update(member.name, to: .alive, now: since)
        case .failed(let member):
            lastKnownMembers[member.name] = member
            reaper.update(member.name, to: .failed, now: since)
        case .left(let member):
            lastKnownMembers[member.name] = member
            reaper.update(member.name, to: .left, now: since)
        case .removed:
            return false
        default:
            break
        }
        return true
    }

    /// Reaps failed and left members past their timeouts, reporting each as removed, and forgets stale intents.
    mutating func reap(at now: Instant) {
        for name in reaper.reap(now: Self.duration(now)) {
            forgetCoordinate(of: name)
            guard let member = lastKnownMembers.removeValue(forKey: name) else { continue }
            effects.append(.member(.removed(member)))
        }
        intents.expire(now: Self.duration(now))
    }

    /// Records a membership change in the snapshot.
    mutating func record(_ event: SWIM.MembershipEvent) {
        guard configuration.recordsSnapshot else { return }
        switch event {
        case .joined(let member), .recovered(let member):
            effects.append(.snapshot([Serf.Snapshot.aliveLine(member.name, member.address.description)]))
        case .failed(let member), .left(let member), .removed(let member):
            effects.append(.snapshot([Serf.Snapshot.notAliveLine(member.name)]))
        default:
            break
        }
    }

    /// Records the clocks if they moved since the snapshot last recorded them (not after a graceful leave, which
    /// is the snapshot's last word).
    mutating func recordClocks() {
        guard configuration.recordsSnapshot, !isLeaving else { return }
        let (member, event, query) = clocks
        guard [member, event, query] != recordedClocks else { return }
        recordedClocks = [member, event, query]
        effects.append(.snapshot(Serf.Snapshot.clockLines(clock: member, eventClock: event, queryClock: query)))
    }
}
