import GossipCore
import HeapModule

/// A queue of future events in virtual time. Events at the same instant come out in the order they were
/// scheduled, so a run is a pure function of its inputs and seed.
///
/// A calendar queue: the next few seconds are a ring of short buckets (a millisecond each by default), each an
/// unsorted list that is appended to; when the clock reaches a bucket, its events move into a small heap, ordered
/// by (instant, scheduling order), and come out of it. Events further ahead wait in an overflow heap until their
/// bucket comes up. Scheduling is a constant-time append and taking an event sifts a heap of one bucket's events,
/// not of every event in flight, so a simulation with a million messages pending costs about what one with a
/// thousand does. The order is exactly a single heap's: by instant, then by the order they were scheduled in.
///
/// The events themselves wait in a slab beside the buckets, each written once and read once, so a large event is
/// never copied while entries move (the buckets and heaps hold 24-byte keys).
public struct VirtualScheduler<Event> {
    @usableFromInline var heap = Heap<ScheduledEntry>()
    /// Events further ahead than the ring reaches.
    @usableFromInline var overflow = Heap<ScheduledEntry>()
    /// The ring of buckets: slot `b % ring.count` holds the events of bucket `b`, for the buckets after
    /// ``activeBucket`` within the ring's reach.
    @usableFromInline var ring: [[ScheduledEntry]]
    /// One bit per ring slot: set when the slot holds events.
    @usableFromInline var occupied: [UInt64]
    /// Events in the ring.
    @usableFromInline var ringCount = 0
    /// The bucket whose events (and every earlier one's) are in `heap`.
    @usableFromInline var activeBucket: Int64
    @usableFromInline let bucketNanoseconds: Int64
    @usableFromInline var scheduled: UInt64 = 0
    /// The events waiting, by slot; `nil` in a slot that is free.
    @usableFromInline var slab: [Event?] = []
    /// Slots free for reuse.
    @usableFromInline var freeSlots: [Int] = []

    /// The current virtual time: the instant of the last event taken, or where ``advance(to:)`` moved it.
    public var now: Instant { currentInstant }
    @usableFromInline var currentInstant: Instant

    /// An empty scheduler whose clock reads `start`, with buckets of `bucket` (default: 1 ms) in a ring of
    /// `bucketCount` (rounded up to a multiple of 64; default: 4,096, about four seconds ahead).
    public init(start: Instant = .zero, bucket: Duration = .milliseconds(1), bucketCount: Int = 4_096) {
        currentInstant = start
        bucketNanoseconds = max(1, bucket.nanoseconds)
        let words = max(1, (bucketCount + 63) / 64)
        ring = Array(repeating: [], count: words * 64)
        occupied = Array(repeating: 0, count: words)
        activeBucket = Self.bucket(of: start, width: bucketNanoseconds)
    }

    /// Events waiting.
    public var count: Int { heap.count + ringCount + overflow.count }

    /// The instant of the next event, if any.
    public var nextInstant: Instant? {
        mutating get {
            if heap.isEmpty { activateNextBucket() }
            return heap.min.map { Instant(nanoseconds: $0.instant) }
        }
    }

    /// Schedules `event` at `instant` (an instant in the past runs at the current time, after what is due).
    @inlinable
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
        let nanoseconds = max(instant, now).nanoseconds
        let entry = ScheduledEntry(instant: nanoseconds, order: scheduled, slot: slot)
        let bucket = self.bucket(of: Instant(nanoseconds: nanoseconds))
        if bucket <= activeBucket {
            heap.insert(entry)
        } else if bucket - activeBucket < Int64(ring.count) {
            let index = ringIndex(of: bucket)
            ring[index].append(entry)
            occupied[index >> 6] |= 1 << UInt64(index & 63)
            ringCount += 1
        } else {
            overflow.insert(entry)
        }
    }

    /// Takes the next event due at or before `limit`, moving the clock to its instant.
    @inlinable
    public mutating func next(notAfter limit: Instant) -> Event? {
        if heap.isEmpty { activateNextBucket() }
        guard let first = heap.min, first.instant <= limit.nanoseconds else { return nil }
        let entry = heap.removeMin()
        currentInstant = Instant(nanoseconds: entry.instant)
        let event = slab[entry.slot].take()
        freeSlots.append(entry.slot)
        return event
    }

    /// Moves the clock forward to `instant` without taking events (never backwards).
    public mutating func advance(to instant: Instant) {
        currentInstant = max(currentInstant, instant)
    }

    @inlinable
    func bucket(of instant: Instant) -> Int64 { Self.bucket(of: instant, width: bucketNanoseconds) }

    /// The bucket of `instant` for buckets `width` nanoseconds wide, rounding down (before the origin too).
    @inlinable
    static func bucket(of instant: Instant, width: Int64) -> Int64 {
        let nanoseconds = instant.nanoseconds
        return nanoseconds >= 0 ? nanoseconds / width : (nanoseconds - width + 1) / width
    }

    /// The ring slot that holds bucket `bucket` (a bucket before the origin included).
    @inlinable
    func ringIndex(of bucket: Int64) -> Int {
        let remainder = Int(bucket % Int64(ring.count))
        return remainder >= 0 ? remainder : remainder + ring.count
    }

    /// Moves the next bucket that holds events (in the ring or the overflow) into the heap.
    @usableFromInline
    mutating func activateNextBucket() {
        var next: Int64? = overflow.min.map { bucket(of: Instant(nanoseconds: $0.instant)) }
        if ringCount > 0, let inRing = nextOccupiedBucket(before: next) { next = inRing }
        guard let next else { return }
        activeBucket = next
        let index = ringIndex(of: next)
        if occupied[index >> 6] & (1 << UInt64(index & 63)) != 0 {
            ringCount -= ring[index].count
            for entry in ring[index] { heap.insert(entry) }
            ring[index].removeAll(keepingCapacity: true)
            occupied[index >> 6] &= ~(1 << UInt64(index & 63))
        }
        while let first = overflow.min, bucket(of: Instant(nanoseconds: first.instant)) <= next {
            heap.insert(overflow.removeMin())
        }
    }

    /// The first bucket after the active one whose ring slot holds events, if it comes before `limit`.
    @usableFromInline
    func nextOccupiedBucket(before limit: Int64?) -> Int64? {
        let slots = Int64(ring.count)
        let reach = limit.map { min(slots - 1, $0 - activeBucket) } ?? (slots - 1)
        guard reach >= 1 else { return nil }
        let start = ringIndex(of: activeBucket + 1)
        var offset = 0
        while Int64(offset) < reach {
            let index = (start + offset) % ring.count
            let word = occupied[index >> 6] >> UInt64(index & 63)
            if word != 0 {
                let found = offset + word.trailingZeroBitCount
                return Int64(found) < reach ? activeBucket + 1 + Int64(found) : nil
            }
            offset += 64 - (index & 63)
        }
        return nil
    }
}

/// A scheduled event's key: its instant (nanoseconds), the order it was scheduled in, and its slot in the slab.
@usableFromInline
struct ScheduledEntry: Comparable {
    @usableFromInline var instant: Int64
    @usableFromInline var order: UInt64
    @usableFromInline var slot: Int

    @inlinable
    init(instant: Int64, order: UInt64, slot: Int) {
        self.instant = instant
        self.order = order
        self.slot = slot
    }

    @inlinable
    static func < (lhs: ScheduledEntry, rhs: ScheduledEntry) -> Bool {
        lhs.instant != rhs.instant ? lhs.instant < rhs.instant : lhs.order < rhs.order
    }

    @inlinable
    static func == (lhs: ScheduledEntry, rhs: ScheduledEntry) -> Bool {
        lhs.instant == rhs.instant && lhs.order == rhs.order
    }
}
