import GossipCore
import HeapModule

/// A queue of future events in virtual time. Events at the same instant come out in the order they were
/// scheduled, so a run is a pure function of its inputs and seed.
///
/// The heap orders small plain keys (instant, order, slot); the events themselves wait in a slab beside it, each
/// written once and read once, so a large event is never copied while the heap sifts (a simulation of a
/// million messages in flight moves 24-byte keys, not the messages).
public struct VirtualScheduler<Event> {
    struct Entry: Comparable {
        var instant: Instant
        var order: UInt64
        var slot: Int

        static func < (lhs: Entry, rhs: Entry) -> Bool {
            lhs.instant != rhs.instant ? lhs.instant < rhs.instant : lhs.order < rhs.order
        }

        static func == (lhs: Entry, rhs: Entry) -> Bool {
            lhs.instant == rhs.instant && lhs.order == rhs.order
        }
    }

    private var heap = Heap<Entry>()
    private var scheduled: UInt64 = 0
    /// The events waiting, by slot; `nil` in a slot that is free.
    private var slab: [Event?] = []
    /// Slots free for reuse.
    private var freeSlots: [Int] = []

    /// The current virtual time: the instant of the last event taken, or where ``advance(to:)`` moved it.
    public private(set) var now: Instant

    /// An empty scheduler whose clock reads `start`.
    public init(start: Instant = .zero) {
        now = start
    }

    /// Events waiting.
    public var count: Int { heap.count }

    /// The instant of the next event, if any.
    public var nextInstant: Instant? { heap.min?.instant }

    /// Schedules `event` at `instant` (an instant in the past runs at the current time, after what is due).
    public mutating func schedule(_ event: Event, at instant: Instant) {
        scheduled &+= 1
        let slot: Int
        if let free = freeSlots.popLast() {
            slot = free
            slab[slot] = event
        } else {
            slot = slab.count
            slab.append(event)
        }
        heap.insert(Entry(instant: max(instant, now), order: scheduled, slot: slot))
    }

    /// Takes the next event due at or before `limit`, moving the clock to its instant.
    public mutating func next(notAfter limit: Instant) -> Event? {
        guard let first = heap.min, first.instant <= limit else { return nil }
        let entry = heap.removeMin()
        now = entry.instant
        let event = slab[entry.slot].take()
        freeSlots.append(entry.slot)
        return event
    }

    /// Moves the clock forward to `instant` without taking events (never backwards).
    public mutating func advance(to instant: Instant) {
        now = max(now, instant)
    }
}
