import GossipCore
import SWIM
import Serf

/// The member list as Serf shows it: memberlist forgets dead members after ``SWIM/Settings/gossipToTheDeadTime``,
/// Serf keeps them as `failed` until the reconnect timeout and members that left as `left` until the tombstone
/// timeout, then reaps them (`member-reap`).
extension GossipNode {
    /// Every member as Serf lists it, sorted by name: live ones as the protocol knows them, failed and left ones
    /// as last seen, until they are reaped.
    public var clusterMembers: [SWIM.Member] {
        var byName: [String: SWIM.Member] = [:]
        for member in members { byName[member.name] = member }
        for name in memberReaper.names where byName[name] == nil {
            guard var member = lastKnownMembers[name] else { continue }
            switch memberReaper.status(of: name) {
            case .left: member.status = .left
            case .failed: member.status = .dead
            default: break
            }
            byName[name] = member
        }
        return byName.values.sorted { $0.name < $1.name }
    }

    /// Serf's status of `name` (`alive`, `leaving`, `left`, `failed`), if it is listed.
    public func serfStatus(of name: String) -> Serf.MemberReaper.Status? { memberReaper.status(of: name) }

    /// Members that came back within the flap timeout of failing, so far.
    public var flapCount: Int { memberReaper.flaps }

    /// Keeps Serf's list in step with a membership event; returns whether subscribers should see the event (the
    /// protocol forgetting a dead member is not a Serf event: the reaper reports the reap later).
    func trackSerfMember(_ event: SWIM.MembershipEvent) -> Bool {
        switch event {
        case .joined(let member), .recovered(let member), .updated(let member):
            lastKnownMembers[member.name] = member
            memberReaper.update(member.name, to: .alive, now: sinceStart)
        case .failed(let member):
            lastKnownMembers[member.name] = member
            memberReaper.update(member.name, to: .failed, now: sinceStart)
        case .left(let member):
            lastKnownMembers[member.name] = member
            memberReaper.update(member.name, to: .left, now: sinceStart)
        case .removed:
            return false
        default:
            break
        }
        return true
    }

    /// Marks a live member as leaving (its leave intent arrived before memberlist saw it go).
    func markLeaving(_ name: String) {
        guard instance?.member(named: name)?.status == .alive else { return }
        memberReaper.update(name, to: .leaving, now: sinceStart)
    }

    /// Reaps failed and left members past their timeouts, reporting each as removed.
    func reapMembers() {
        for name in memberReaper.reap(now: sinceStart) {
            guard let member = lastKnownMembers.removeValue(forKey: name) else { continue }
            let event = SWIM.MembershipEvent.removed(member)
            logger.info("\(event)")
            eventContinuation.yield(event)
            for subscriber in subscribers.values { subscriber.yield(event) }
        }
    }
}
