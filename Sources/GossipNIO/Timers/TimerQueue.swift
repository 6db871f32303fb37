import GossipCore
import HeapModule

/// The timers a core armed, earliest first: one queue, fired by one loop, instead of a task per timer. Two
/// timers due at the same instant fire in the order they were armed.
struct TimerQueue<Timer: Sendable>: Sendable {
    struct Entry: Comparable, Sendable {
        var instant: Instant
        var sequence: UInt64
        var timer: Timer

        static func < (lhs: Entry, rhs: Entry) -> Bool {
            (lhs.instant, lhs.sequence) < (rhs.instant, rhs.sequence)
        }

        static func == (lhs: Entry, rhs: Entry) -> Bool {
            lhs.instant == rhs.instant && lhs.sequence == rhs.sequence
        }
    }

    private var heap = Heap<Entry>()
    private var sequence: UInt64 = 0

    /// Timers waiting.
    var count: Int { heap.count }

    /// When the earliest timer is due, if any is armed.
    var earliest: Instant? { heap.min?.instant }

    /// Arms `timer` for `instant`; returns `true` when it is now the earliest (a sleeping loop must wake sooner).
    @discardableResult
    mutating func arm(_ timer: Timer, at instant: Instant) -> Bool {
        let wasEarliest = earliest.map { instant < $0 } ?? true
        sequence &+= 1
        heap.insert(Entry(instant: instant, sequence: sequence, timer: timer))
        return wasEarliest
    }

    /// Removes and returns every timer due at or before `now`, in order.
    mutating func takeDue(at now: Instant) -> [Timer] {
        var due: [Timer] = []
        while let first = heap.min, first.instant <= now {
            due.append(heap.removeMin().timer)
        }
        return due
    }
}
