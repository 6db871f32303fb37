import HeapModule

extension SWIM {
    /// memberlist's transmit-limited broadcast queue.
    ///
    /// Each broadcast is keyed (by member name); queueing a newer one under the same key replaces the older.
    /// ``dequeue(overhead:limit:transmitLimit:)`` fills a byte budget tier by tier: broadcasts sent fewest times
    /// first, within a tier the largest that still fits, newest first among equals, and drops a broadcast once it
    /// has been sent `transmitLimit` times.
    ///
    /// Each tier (broadcasts sent the same number of times) keeps one max-heap by age per encoded size and a
    /// sorted list of the sizes present, so taking the largest fitting broadcast and putting it back one tier up
    /// cost O(log n), whatever the queue's length. A replaced broadcast is left in its heap and skipped when it
    /// surfaces.
    public struct BroadcastQueue: Sendable {
        struct Entry: Comparable, Sendable {
            var key: String
            var message: Message
            var size: Int
            var id: UInt64
            var transmits: Int

            static func < (lhs: Entry, rhs: Entry) -> Bool { lhs.id < rhs.id }
            static func == (lhs: Entry, rhs: Entry) -> Bool { lhs.id == rhs.id }
        }

        struct Tier: Sendable {
            /// Distinct sizes with at least one (possibly stale) entry, ascending.
            var sizes: [Int] = []
            /// The entries of each size, newest on top.
            var buckets: [Int: Heap<Entry>] = [:]
        }

        /// `tiers[t]`: broadcasts sent `t` times.
        private var tiers: [Tier] = []
        /// The live broadcast of each key: its tier and id.
        private var locations: [String: (tier: Int, id: UInt64)] = [:]
        private var nextID: UInt64 = 0

        /// Creates an empty queue.
        public init() {}

        /// Broadcasts waiting to be sent.
        public var count: Int { locations.count }

        /// `true` when nothing is waiting.
        public var isEmpty: Bool { locations.isEmpty }

        /// `true` when a broadcast is waiting under `key`.
        public func contains(key: String) -> Bool { locations[key] != nil }

        /// Queues `message` of `size` encoded bytes under `key`, replacing any broadcast already under it.
        public mutating func enqueue(_ message: Message, key: String, size: Int) {
            nextID &+= 1
            insert(Entry(key: key, message: message, size: size, id: nextID, transmits: 0))
        }

        /// Removes the broadcast under `key`, if any.
        public mutating func remove(key: String) {
            locations[key] = nil
        }

        /// Takes broadcasts whose sizes plus `overhead` each add up to at most `limit` bytes, counting one
        /// transmission for each and dropping those sent `transmitLimit` times.
        public mutating func dequeue(overhead: Int, limit: Int, transmitLimit: Int) -> [Message] {
            guard !locations.isEmpty else { return [] }
            var used = 0
            var taken: [Message] = []
            var reinsert: [Entry] = []
            var tier = 0
            while tier < tiers.count {
                let free = limit - used - overhead
                if free <= 0 { break }
                guard var entry = takeLargest(fitting: free, fromTier: tier) else {
                    tier += 1
                    continue
                }
                locations[entry.key] = nil
                used += overhead + entry.size
                taken.append(entry.message)
                if entry.transmits + 1 < transmitLimit {
                    entry.transmits += 1
                    reinsert.append(entry)
                }
            }
            for entry in reinsert { insert(entry) }
            return taken
        }

        private mutating func insert(_ entry: Entry) {
            while tiers.count <= entry.transmits { tiers.append(Tier()) }
            locations[entry.key] = (entry.transmits, entry.id)
            if tiers[entry.transmits].buckets[entry.size] == nil {
                let sizes = tiers[entry.transmits].sizes
                tiers[entry.transmits].sizes.insert(entry.size, at: Self.firstIndex(in: sizes, notBelow: entry.size))
                tiers[entry.transmits].buckets[entry.size] = Heap()
            }
            tiers[entry.transmits].buckets[entry.size]!.insert(entry)
        }

        /// The newest live entry of the largest size ≤ `free` in `tier`, removed from the tier.
        private mutating func takeLargest(fitting free: Int, fromTier tier: Int) -> Entry? {
            var position = Self.firstIndex(in: tiers[tier].sizes, notBelow: free + 1)
            while position > 0 {
                position -= 1
                let size = tiers[tier].sizes[position]
                while let top = tiers[tier].buckets[size]!.popMax() {
                    if let live = locations[top.key], live.tier == tier, live.id == top.id {
                        if tiers[tier].buckets[size]!.isEmpty { dropBucket(size, at: position, inTier: tier) }
                        return top
                    }
                }
                dropBucket(size, at: position, inTier: tier)  // only replaced entries were left
            }
            return nil
        }

        private mutating func dropBucket(_ size: Int, at position: Int, inTier tier: Int) {
            tiers[tier].buckets[size] = nil
            tiers[tier].sizes.remove(at: position)
        }

        /// The first index whose size is ≥ `size`.
        private static func firstIndex(in sizes: [Int], notBelow size: Int) -> Int {
            var low = 0
            var high = sizes.count
            while low < high {
                let middle = (low + high) / 2
                if sizes[middle] < size { low = middle + 1 } else { high = middle }
            }
            return low
        }
    }
}
