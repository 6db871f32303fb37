import MemberlistWire
import SWIM
import Serf

/// Serf's user events: sent to the whole cluster by gossip, delivered once on every node (Serf's agents and ours).
extension GossipNode {
    /// Serf's limit on a user event's name and payload together (`UserEventSizeLimit`).
    public static let userEventSizeLimit = 512

    /// Why a user event was refused.
    public struct UserEventError: Error, CustomStringConvertible {
        /// What went wrong.
        public var description: String
    }

    /// Sends a user event to every member: delivered here first, then gossiped (each node delivers it once and
    /// passes it on). `coalesce` lets receivers keep only the newest event of a name within a short window.
    public func sendUserEvent(name: String, payload: [UInt8], coalesce: Bool = true) throws {
        guard isRunning else { throw UserEventError(description: "the node is not running") }
        let size = name.utf8.count + payload.count
        guard size <= Self.userEventSizeLimit else {
            throw UserEventError(
                description:
                    "user event is \(size) bytes (name and payload), over the limit of \(Self.userEventSizeLimit)")
        }
        let event = serf.newUserEvent(name: name, payload: payload, coalesce: coalesce)
        instance?.broadcast(SerfMessage.userEvent(event).encode(), key: Self.broadcastKey(of: event))
        deliver(event)
    }

    /// User events from now on, each once, for as many listeners as want them; ends when the node stops.
    public func subscribeUserEvents() -> AsyncStream<SerfMessage.UserEvent> {
        makeSubscription { userEventSubscribers[$0] = $1 }
    }

    /// Delivers an event to the subscribers, at once, or at the end of its coalescing window when it asks to be
    /// coalesced and coalescing is on.
    func deliver(_ event: SerfMessage.UserEvent) {
        logger.info("user event", metadata: ["gossip.event": "\(event.name)", "gossip.ltime": "\(event.lamportTime)"])
        guard event.coalesce, let windows = configuration.userEventCoalescing else {
            for subscriber in userEventSubscribers.values { subscriber.yield(event) }
            return
        }
        if coalescer == nil {
            coalescer = Serf.UserEventCoalescer(period: windows.period, quiescentPeriod: windows.quiescentPeriod)
        }
        let now = sinceStart
        guard let deadline = coalescer?.add(event, name: event.name, at: event.lamportTime, now: now) else { return }
        Task { [weak self] in
            try? await Task.sleep(for: deadline - now)
            await self?.flushCoalescedEvents()
        }
    }

    func flushCoalescedEvents() {
        for event in coalescer?.flush(now: sinceStart) ?? [] {
            for subscriber in userEventSubscribers.values { subscriber.yield(event) }
        }
        // A window that has not closed yet (an event arrived meanwhile, or the timer woke early) is looked at again.
        if let held = coalescer?.heldCount, held > 0 {
            Task { [weak self] in
                try? await Task.sleep(for: .milliseconds(100))
                await self?.flushCoalescedEvents()
            }
        }
    }

    static func broadcastKey(of event: SerfMessage.UserEvent) -> String {
        "user-event \(event.lamportTime) \(event.name) \(event.payload.hashValue)"
    }
}
