extension Replication {
    /// A last-writer-wins map: every key holds the value (or the deletion) with the largest timestamp any replica
    /// wrote, so replicas that have merged the same entries hold the same map, whatever the order. Deletions are
    /// tombstones, so a delete is not undone by an older write arriving late; a tombstone can be dropped once every
    /// live member has seen it (``collectGarbage(seenByAllUpTo:)``).
    public struct LWWMap: Sendable, Hashable, Codable {
        /// One key's latest write.
        public struct Entry: Sendable, Hashable, Codable {
            /// The value, or `nil` for a deletion (a tombstone).
            public var value: [UInt8]?
            /// When it was written.
            public var timestamp: Timestamp

            /// An entry.
            public init(value: [UInt8]?, timestamp: Timestamp) {
                self.value = value
                self.timestamp = timestamp
            }
        }

        /// Every key's latest entry, tombstones included.
        public private(set) var entries: [String: Entry] = [:]

        /// An empty map.
        public init() {}

        /// The value of `key`, or `nil` if it is absent or deleted.
        public subscript(key: String) -> [UInt8]? { entries[key]?.value }

        /// Live keys (not deleted), sorted.
        public var keys: [String] { entries.filter { $0.value.value != nil }.keys.sorted() }

        /// Applies a write or a deletion; returns whether it changed the map (it loses to a newer entry).
        @discardableResult
        public mutating func apply(_ key: String, _ entry: Entry) -> Bool {
            if let current = entries[key], current.timestamp >= entry.timestamp { return false }
            entries[key] = entry
            return true
        }

        /// Writes `value` at `timestamp`.
        @discardableResult
        public mutating func put(_ key: String, _ value: [UInt8], at timestamp: Timestamp) -> Bool {
            apply(key, Entry(value: value, timestamp: timestamp))
        }

        /// Deletes `key` at `timestamp` (leaves a tombstone).
        @discardableResult
        public mutating func delete(_ key: String, at timestamp: Timestamp) -> Bool {
            apply(key, Entry(value: nil, timestamp: timestamp))
        }

        /// Merges another replica's map; returns the keys that changed here.
        @discardableResult
        public mutating func merge(_ other: LWWMap) -> [String] {
            other.entries.compactMap { key, entry in apply(key, entry) ? key : nil }
        }

        /// Drops tombstones no newer than `horizon`, the newest timestamp every live member is known to have seen:
        /// no replica can still send an older write that the tombstone would have to beat.
        @discardableResult
        public mutating func collectGarbage(seenByAllUpTo horizon: Timestamp) -> Int {
            let dead = entries.filter { $0.value.value == nil && $0.value.timestamp <= horizon }.map(\.key)
            for key in dead { entries[key] = nil }
            return dead.count
        }
    }
}
