import GossipCore
import MemberlistWire

/// Serf's user events: stamped with the event clock, gossiped to every member, delivered once on each (and passed
/// on once by each), optionally coalesced.
extension Serf.Layer {
    /// Sends a user event to every member: delivered here first, then gossiped. With `coalesce`, receivers that
    /// coalesce keep only the newest event of a name within a window.
    ///
    /// `sizeLimit` is Serf's unless the event travels another way (a broadcast tree carries larger ones).
    ///
    /// - Throws: ``Serf/CommandError`` when the name and payload are over `sizeLimit`
    ///   (``Serf/userEventSizeLimit`` by default).
    public mutating func sendUserEvent(
        name eventName: String, payload: [UInt8], coalesce: Bool = true, sizeLimit: Int = Serf.userEventSizeLimit,
        at now: Instant
    ) throws(Serf.CommandError) -> [Serf.Effect] {
        let size = eventName.utf8.count + payload.count
        guard size <= sizeLimit else {
            throw Serf.CommandError(
                "user event is \(size) bytes (name and payload), over the limit of \(sizeLimit)")
        }
        let event = SerfMessage.UserEvent(
            lamportTime: eventClock.stamp(), name: eventName, payload: payload, coalesce: coalesce)
        _ = recentEvents.record(.init(name: eventName, payload: payload), at: event.lamportTime, clock: eventClock.time)
        effects.append(.broadcast(SerfMessage.userEvent(event).encode(), key: Self.broadcastKey(of: event)))
        deliver(event, at: now)
        return takeEffects()
    }

    /// A user event that arrived another way than Serf's gossip (a broadcast tree): taken and delivered once,
    /// as one gossiped would be, with the ``Serf/Effect/broadcast(_:key:)`` that would pass it on Serf's way
    /// (the caller decides whether it should). An event this node has seen, or older than its join, is ignored.
    public mutating func receiveUserEvent(_ event: SerfMessage.UserEvent, at now: Instant) -> [Serf.Effect] {
        receive(event, payload: nil, at: now)
        return takeEffects()
    }

    /// A received user event: new to this node (Serf's `handleUserEvent`), it is passed on and delivered.
    /// `payload` is its encoding as it arrived; `nil` (an event from a push-pull's buffer) encodes it only if new.
    mutating func receive(_ event: SerfMessage.UserEvent, payload: [UInt8]?, at now: Instant) {
        eventClock.witness(event.lamportTime)
        guard event.lamportTime >= eventMinimumTime,
            recentEvents.record(
                .init(name: event.name, payload: event.payload), at: event.lamportTime, clock: eventClock.time)
        else { return }
        let encoded = payload ?? SerfMessage.userEvent(event).encode()
        effects.append(.broadcast(encoded, key: Self.broadcastKey(of: event)))
        deliver(event, at: now)
    }

    /// Delivers an event at once, or at the end of its coalescing window when it asks to be coalesced and
    /// coalescing is on.
    mutating func deliver(_ event: SerfMessage.UserEvent, at now: Instant) {
        guard event.coalesce, let windows = configuration.userEventCoalescing else {
            effects.append(.userEvent(event))
            return
        }
        var coalescer =
            self.coalescer ?? Serf.UserEventCoalescer(period: windows.period, quiescentPeriod: windows.quiescentPeriod)
        let wasEmpty = coalescer.heldCount == 0
        let deadline = coalescer.add(event, name: event.name, at: event.lamportTime, now: Self.duration(now))
        self.coalescer = coalescer
        if wasEmpty { effects.append(.arm(.coalescingWindow, at: Instant(nanoseconds: deadline.nanoseconds))) }
    }

    /// Delivers the coalesced events if their window has closed; otherwise waits for its new deadline.
    mutating func flushCoalescedEvents(at now: Instant) {
        guard var coalescer else { return }
        for event in coalescer.flush(now: Self.duration(now)) { effects.append(.userEvent(event)) }
        if let deadline = coalescer.deadline {
            effects.append(.arm(.coalescingWindow, at: Instant(nanoseconds: deadline.nanoseconds)))
        }
        self.coalescer = coalescer
    }

    /// The broadcast queue's key for an event: the same event from two paths is one broadcast.
    static func broadcastKey(of event: SerfMessage.UserEvent) -> String {
        "user-event \(event.lamportTime) \(event.name) \(CRC32.checksum(event.payload))"
    }
}
