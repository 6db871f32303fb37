extension Replication {
    /// Updates being spread by rumor mongering: each is sent a limited number of times (memberlist's
    /// `retransmitMultiplier × ceil(log10(n + 1))`, so the chance that some live member never hears it shrinks as
    /// the cluster grows), least-sent first, then forgotten; anti-entropy repairs whatever a rumor missed. A newer
    /// update of a key replaces the older one and starts afresh.
    public struct UpdateRumors: Sendable {
        private var pending: [String: (entry: LWWMap.Entry, sent: Int, order: UInt64)] = [:]
        private var nextOrder: UInt64 = 0

        /// The most updates held; beyond it the oldest are dropped (anti-entropy still delivers them).
        public let capacity: Int

        /// An empty set of rumors holding at most `capacity` updates.
        public init(capacity: Int = 65_536) {
            self.capacity = capacity
        }

        /// Rumors still to send.
        public var count: Int { pending.count }

        /// Starts spreading `item`, unless an update of its key at least as new is already spreading.
        public mutating func add(_ item: KeyedEntry) {
            if let current = pending[item.key], current.entry.timestamp >= item.entry.timestamp { return }
            nextOrder += 1
            pending[item.key] = (item.entry, 0, nextOrder)
            if pending.count > capacity, let oldest = pending.min(by: { $0.value.order < $1.value.order }) {
                pending[oldest.key] = nil
            }
        }

        /// The least-sent rumors that fit in `maximumBytes` of entries, for one gossip round that sends them to
        /// `recipients` peers; each counts as sent that many times and is dropped once it reaches `limit`.
        public mutating func nextBatch(maximumBytes: Int, recipients: Int, limit: Int) -> [KeyedEntry] {
            nextBatches(count: 1, maximumBytes: maximumBytes, recipients: recipients, limit: limit).first ?? []
        }

        /// Up to `count` batches of at most `maximumBytes` of entries each, least-sent rumors first, for one round
        /// (the pending rumors are ordered once for all of them); empty batches are left out.
        public mutating func nextBatches(count: Int, maximumBytes: Int, recipients: Int, limit: Int) -> [[KeyedEntry]] {
            guard recipients > 0, count > 0, !pending.isEmpty else { return [] }
            var ordered = pending.sorted { ($0.value.sent, $0.value.order) < ($1.value.sent, $1.value.order) }[...]
            var batches: [[KeyedEntry]] = []
            while batches.count < count, !ordered.isEmpty {
                var batch: [KeyedEntry] = []
                var bytes = 0
                var skipped: [(key: String, value: (entry: LWWMap.Entry, sent: Int, order: UInt64))] = []
                while let (key, rumor) = ordered.popFirst() {
                    let item = KeyedEntry(key, rumor.entry)
                    let size = SyncMessage.encodedSize(of: item)
                    guard bytes + size <= maximumBytes else {
                        skipped.append((key, rumor))
                        continue
                    }
                    batch.append(item)
                    bytes += size
                    if rumor.sent + recipients >= limit {
                        pending[key] = nil
                    } else {
                        pending[key]?.sent += recipients
                    }
                }
                guard !batch.isEmpty else { break }
                batches.append(batch)
                ordered = skipped[...]
            }
            return batches
        }
    }
}
