import SWIM

extension SWIM.MembershipEvent {
    /// Serf's name for this event (`member-join`, `member-leave`, `member-failed`, `member-update`,
    /// `member-reap`) and the member it is about; `nil` for events Serf does not report (suspicions,
    /// recoveries, refutations).
    public var serfEvent: (name: String, member: SWIM.Member)? {
        switch self {
        case .joined(let member): return ("member-join", member)
        case .left(let member): return ("member-leave", member)
        case .failed(let member): return ("member-failed", member)
        case .updated(let member): return ("member-update", member)
        case .removed(let member): return ("member-reap", member)
        default: return nil
        }
    }
}
