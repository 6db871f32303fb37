import MemberlistWire
import Serf

/// What a node needs of Serf's layer so that Serf agents accept it as one of their own: a member Lamport clock
/// witnessed from Serf's messages, a valid Serf push-pull user state, and a leave intent before a graceful leave
/// (Serf shows a member as `left` only when an intent announced it, otherwise as `failed`).
struct SerfCompatibility: Sendable {
    /// The member Lamport time of this node's join, which push-pulls announce as its status time. A leave intent
    /// must carry a later time, or Serf ignores it.
    let joinLamportTime: UInt64 = 1
    /// Serf's member clock: `Witness(t)` moves it past `t`. It starts past the join time, as Serf's clock does
    /// after stamping its join intent.
    private(set) var memberClock: UInt64 = 2
    private(set) var eventClock: UInt64 = 1
    private(set) var queryClock: UInt64 = 1
    /// Recent user events, so that each is delivered and rebroadcast once.
    var recentEvents = Serf.UserEventBuffer()

    mutating func witness(_ time: UInt64, _ clock: WritableKeyPath<SerfCompatibility, UInt64>) {
        if time >= self[keyPath: clock] { self[keyPath: clock] = time + 1 }
    }

    /// Witnesses the clocks a Serf message carries; other Serf messages are tolerated and ignored.
    mutating func observe(_ payload: [UInt8]) {
        guard let message = try? SerfMessage(decoding: payload) else { return }
        switch message {
        case .join(let intent): witness(intent.lamportTime, \.memberClock)
        case .leave(let intent): witness(intent.lamportTime, \.memberClock)
        case .pushPull(let state):
            witness(state.lamportTime &- 1, \.memberClock)
            witness(state.eventLamportTime &- 1, \.eventClock)
            witness(state.queryLamportTime &- 1, \.queryClock)
        default: break
        }
    }

    /// The user state a push-pull carries: Serf's clocks, no recent events, no left members.
    func pushPullUserState(localName: String) -> [UInt8] {
        SerfMessage.pushPull(
            SerfMessage.PushPullState(
                eventLamportTime: eventClock, events: [], lamportTime: memberClock, leftMembers: [],
                queryLamportTime: queryClock, statusLamportTimes: [localName: joinLamportTime])
        ).encode()
    }

    /// A leave intent about `node` (this node, or a failed one to force out), stamped with the member clock,
    /// which then moves on.
    mutating func leaveIntent(about node: String) -> [UInt8] {
        defer { memberClock += 1 }
        return SerfMessage.leave(SerfMessage.LeaveIntent(lamportTime: memberClock, node: node)).encode()
    }

    /// The query clock's time for a new query, which then moves on.
    mutating func stampQuery() -> UInt64 {
        defer { queryClock += 1 }
        return queryClock
    }

    /// Witnesses a query's time.
    mutating func witnessQuery(_ time: UInt64) { witness(time, \.queryClock) }

    /// A new user event of this node, stamped with the event clock and remembered as seen.
    mutating func newUserEvent(name: String, payload: [UInt8], coalesce: Bool) -> SerfMessage.UserEvent {
        let event = SerfMessage.UserEvent(lamportTime: eventClock, name: name, payload: payload, coalesce: coalesce)
        eventClock += 1
        _ = recentEvents.record(.init(name: name, payload: payload), at: event.lamportTime, clock: eventClock)
        return event
    }

    /// Witnesses a received user event's time and tells whether the event is new (Serf's `handleUserEvent`).
    mutating func isNew(_ event: SerfMessage.UserEvent) -> Bool {
        witness(event.lamportTime, \.eventClock)
        return recentEvents.record(
            .init(name: event.name, payload: event.payload), at: event.lamportTime, clock: eventClock)
    }
}
