import MemberlistWire
import Serf

/// What a node needs of Serf's layer so that Serf agents accept it as one of their own: a member Lamport clock
/// witnessed from Serf's messages, a valid Serf push-pull user state, and a leave intent before a graceful leave
/// (Serf shows a member as `left` only when an intent announced it, otherwise as `failed`).
struct SerfCompatibility: Sendable {
    /// The member Lamport time of this node's join, which push-pulls announce as its status time. A leave intent
    /// must carry a later time, or Serf ignores it.
    let joinLamportTime: UInt64 = 1
    /// Serf's member clock. It starts past the join time, as Serf's clock does after stamping its join intent.
    private(set) var memberClock = Serf.LamportClock(time: 2)
    private(set) var eventClock = Serf.LamportClock()
    private(set) var queryClock = Serf.LamportClock()
    /// Recent user events, so that each is delivered and rebroadcast once.
    var recentEvents = Serf.UserEventBuffer()
    /// Join and leave intents: status times and intents about nodes not yet known.
    var intents = Serf.IntentTracker()
    /// Events and queries older than these were seen before a restart (restored from the snapshot) and are not
    /// delivered again.
    private(set) var eventMinimumTime: UInt64 = 0
    private(set) var queryMinimumTime: UInt64 = 0

    /// Restores the clocks from a snapshot: every clock moves past its recorded time, and events and queries up
    /// to it are not delivered again (Serf's `eventMinTime`).
    mutating func restore(from snapshot: Serf.Snapshot) {
        memberClock.witness(snapshot.clock)
        eventClock.witness(snapshot.eventClock)
        queryClock.witness(snapshot.queryClock)
        eventMinimumTime = snapshot.eventClock &+ 1
        queryMinimumTime = snapshot.queryClock &+ 1
    }

    /// The three clocks, for the snapshot.
    var clocks: (member: UInt64, event: UInt64, query: UInt64) { (memberClock.time, eventClock.time, queryClock.time) }

    /// A join intent about this node, stamped with the member clock (to refute a leave intent about it).
    mutating func joinIntent(about node: String) -> [UInt8] {
        SerfMessage.join(SerfMessage.JoinIntent(lamportTime: memberClock.stamp(), node: node)).encode()
    }

    /// Witnesses the clocks a Serf message carries; other Serf messages are tolerated and ignored.
    mutating func observe(_ message: SerfMessage) {
        switch message {
        case .join(let intent): memberClock.witness(intent.lamportTime)
        case .leave(let intent): memberClock.witness(intent.lamportTime)
        case .pushPull(let state):
            // Serf witnesses a remote state's clocks minus one.
            for (node, time) in state.statusLamportTimes { intents.witnessStatus(node, at: time) }
            memberClock.witness(state.lamportTime &- 1)
            eventClock.witness(state.eventLamportTime &- 1)
            queryClock.witness(state.queryLamportTime &- 1)
        default: break
        }
    }

    /// Witnesses the clocks in a push-pull's user state, when it is Serf's.
    mutating func observe(userState: [UInt8]) {
        if let message = try? SerfMessage(decoding: userState) { observe(message) }
    }

    /// The user state a push-pull carries: Serf's clocks, no recent events, no left members.
    func pushPullUserState(localName: String) -> [UInt8] {
        SerfMessage.pushPull(
            SerfMessage.PushPullState(
                eventLamportTime: eventClock.time, events: [], lamportTime: memberClock.time, leftMembers: [],
                queryLamportTime: queryClock.time, statusLamportTimes: [localName: joinLamportTime])
        ).encode()
    }

    /// A leave intent about `node` (this node, or a failed one to force out), stamped with the member clock,
    /// which then moves on.
    mutating func leaveIntent(about node: String) -> [UInt8] {
        SerfMessage.leave(SerfMessage.LeaveIntent(lamportTime: memberClock.stamp(), node: node)).encode()
    }

    /// The query clock's time for a new query, which then moves on.
    mutating func stampQuery() -> UInt64 { queryClock.stamp() }

    /// Witnesses a query's time.
    mutating func witnessQuery(_ time: UInt64) { queryClock.witness(time) }

    /// A new user event of this node, stamped with the event clock and remembered as seen.
    mutating func newUserEvent(name: String, payload: [UInt8], coalesce: Bool) -> SerfMessage.UserEvent {
        let event = SerfMessage.UserEvent(
            lamportTime: eventClock.stamp(), name: name, payload: payload, coalesce: coalesce)
        _ = recentEvents.record(.init(name: name, payload: payload), at: event.lamportTime, clock: eventClock.time)
        return event
    }

    /// Witnesses a received user event's time and tells whether the event is new (Serf's `handleUserEvent`).
    mutating func isNew(_ event: SerfMessage.UserEvent) -> Bool {
        eventClock.witness(event.lamportTime)
        guard event.lamportTime >= eventMinimumTime else { return false }
        return recentEvents.record(
            .init(name: event.name, payload: event.payload), at: event.lamportTime, clock: eventClock.time)
    }
}
