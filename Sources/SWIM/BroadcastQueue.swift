extension SWIM {
    /// memberlist's transmit-limited broadcast queue.
    ///
    /// Each broadcast is keyed (by member name); queueing a newer one under the same key replaces the older.
    /// ``dequeue(overhead:limit:transmitLimit:)`` fills a byte budget tier by tier: broadcasts sent fewest times
    /// first, within a tier the largest that still fits, newest first among equals, and drops a broadcast once it
    /// has been sent `transmitLimit` times.
    public struct BroadcastQueue: Sendable {
        struct Entry: Sendable {
            var key: String
            var message: Message
            var size: Int
            var id: UInt64
            var transmits: Int

            /// Sort order inside a tier: ascending (size, id), so the best candidate is at the end.
            func precedes(size otherSize: Int, id otherID: UInt64) -> Bool {
                size != otherSize ? size < otherSize : id < otherID
            }
        }

        /// `tiers[t]`: broadcasts sent `t` times, sorted by ascending (size, id).
        private var tiers: [[Entry]] = []
        /// Where each key's broadcast sits.
        private var locations: [String: (tier: Int, size: Int, id: UInt64)] = [:]
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
            remove(key: key)
            nextID &+= 1
            insert(Entry(key: key, message: message, size: size, id: nextID, transmits: 0))
        }

        /// Removes the broadcast under `key`, if any.
        public mutating func remove(key: String) {
            guard let location = locations.removeValue(forKey: key) else { return }
            let index = Self.insertionIndex(in: tiers[location.tier], size: location.size, id: location.id)
            tiers[location.tier].remove(at: index)
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
                // The last entry of size <= free is the largest fitting one, newest among equals.
                let end = Self.insertionIndex(in: tiers[tier], size: free, id: .max)
                guard end > 0 else {
                    tier += 1
                    continue
                }
                var entry = tiers[tier].remove(at: end - 1)
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
            while tiers.count <= entry.transmits { tiers.append([]) }
            let index = Self.insertionIndex(in: tiers[entry.transmits], size: entry.size, id: entry.id)
            tiers[entry.transmits].insert(entry, at: index)
            locations[entry.key] = (entry.transmits, entry.size, entry.id)
        }

        /// The first index whose entry does not precede (size, id).
        private static func insertionIndex(in tier: [Entry], size: Int, id: UInt64) -> Int {
            var low = 0
            var high = tier.count
            while low < high {
                let middle = (low + high) / 2
                if tier[middle].precedes(size: size, id: id) { low = middle + 1 } else { high = middle }
            }
            return low
        }
    }
}
