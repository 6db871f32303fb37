import GossipCore

extension SWIM {
    /// The timers an ``Instance`` arms. The shell fires each at its instant through ``Instance/fire(_:at:using:)``;
    /// a timer that no longer matters (its probe is over, its suspicion was refuted) is ignored, so a shell never
    /// needs to cancel one.
    public enum Timer: Hashable, Sendable {
        /// Start the next probe.
        case probe
        /// The direct-ack window of probe `sequenceNumber` closed: ask for indirect probes.
        case probeTimeout(sequenceNumber: UInt32)
        /// The whole (health-scaled) window of probe `sequenceNumber` closed: suspect the target if nobody answered.
        case probeDeadline(sequenceNumber: UInt32)
        /// An indirect probe this node relays, under its own `sequenceNumber`, got no ack in time: send the nack.
        case relayTimeout(sequenceNumber: UInt32)
        /// Send pending broadcasts to random members.
        case gossip
        /// Exchange full state with a random member.
        case pushPull
        /// The suspicion of `node` may have expired.
        case suspicion(node: String)
        /// Maybe try to rejoin a member marked dead.
        case reconnect
    }

    /// What an ``Instance`` reports about the membership.
    public enum MembershipEvent: Hashable, Sendable, CustomStringConvertible {
        /// A member became known or came back (memberlist `NotifyJoin`).
        case joined(Member)
        /// A known member's metadata or address changed (memberlist `NotifyUpdate`).
        case updated(Member)
        /// A member is suspected of having failed.
        case suspected(Member, by: String)
        /// A member was declared dead (memberlist `NotifyLeave` for a failure).
        case failed(Member)
        /// A member left gracefully (memberlist `NotifyLeave` for a leave).
        case left(Member)
        /// A suspected member cleared itself with a higher incarnation before it was declared dead.
        case recovered(Member)
        /// A dead or left member was dropped from the member list.
        case removed(Member)
        /// This node refuted an accusation about itself by moving to `incarnation`.
        case refuted(incarnation: UInt32, accusation: String)
        /// This node's leave announcement has been transmitted; the shell may stop it.
        case leaveCompleted
        /// Another node at `address` claims this node's name (memberlist "Conflicting address" about the local
        /// node, its `NotifyConflict`); Serf settles it with a vote (`_serf_conflict`).
        case nameConflict(address: NodeAddress)

        /// One line for a person: `joined node-3 (127.0.0.1:7946)` and so on.
        public var description: String {
            switch self {
            case .joined(let m): return "joined \(m.name) (\(m.address))"
            case .updated(let m): return "updated \(m.name) incarnation \(m.incarnation)"
            case .suspected(let m, let by): return "suspects \(m.name) (accused by \(by))"
            case .failed(let m): return "marks \(m.name) dead"
            case .left(let m): return "sees \(m.name) leave"
            case .recovered(let m): return "sees \(m.name) alive again (incarnation \(m.incarnation))"
            case .removed(let m): return "removes \(m.name) (\(m.status))"
            case .refuted(let incarnation, let accusation):
                return "refutes \(accusation) with incarnation \(incarnation)"
            case .leaveCompleted: return "has announced its leave"
            case .nameConflict(let address): return "sees its own name claimed by \(address)"
            }
        }
    }

    /// Something an ``Instance`` asks its shell to do.
    public enum Effect: Hashable, Sendable {
        /// Send one UDP datagram to `address`: the first message alone, or all of them as a compound.
        /// `destination` names the receiving member when it is known (memberlist adds a CRC only then).
        case send([Message], to: NodeAddress, destination: String?)
        /// Open a stream to `address`, send `state`, read the peer's state back and hand it to
        /// ``Instance/pushPullCompleted(_:from:at:using:)`` (or report the failure with `nil`).
        case pushPull(PushPull, to: NodeAddress)
        /// Send `ping` over a stream to `address` and report the outcome to
        /// ``Instance/streamPingCompleted(sequenceNumber:acknowledged:at:using:)`` no later than `deadline`.
        case streamPing(Ping, to: NodeAddress, deadline: Instant)
        /// Call ``Instance/fire(_:at:using:)`` with `timer` at `instant`.
        case arm(Timer, at: Instant)
        /// Report a membership change to the application.
        case event(MembershipEvent)
        /// A direct probe of `member` was answered in time, `roundTrip` after the ping went out, with an ack
        /// carrying `payload` (memberlist's `NotifyPingComplete`; Serf reads a network coordinate from it). Only
        /// acks with a payload are reported.
        case pingCompleted(member: String, roundTrip: Duration, payload: [UInt8])
    }
}
