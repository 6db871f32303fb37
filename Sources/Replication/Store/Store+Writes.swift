import GossipCore

extension Replication.Store {
    // MARK: - Reading

    /// The longest user key, in bytes: the replica's limit less room for a counter's slot prefix and node name.
    public static let maximumKeyBytes = Replication.maximumKeyBytes - 64

    /// The value of `key`, or `nil` if it is absent or deleted.
    public func value(of key: String) -> [UInt8]? {
        Self.isUserKey(key) ? replica.map[key] : nil
    }

    /// Live keys and values under `prefix`, sorted by key (counters are listed by ``counters(prefix:)``).
    public func keyValues(prefix: String = "") -> [(key: String, value: [UInt8])] {
        replica.map.entries
            .compactMap { key, entry in
                guard Self.isUserKey(key), key.hasPrefix(prefix), let value = entry.value else { return nil }
                return (key, value)
            }
            .sorted { $0.key < $1.key }
    }

    /// The value of counter `name`, or `nil` if nobody has changed it.
    public func counter(_ name: String) -> Int64? { counterTotals[name] }

    /// Every counter under `prefix` with its value, sorted by name.
    public func counters(prefix: String = "") -> [(name: String, value: Int64)] {
        counterTotals.filter { $0.key.hasPrefix(prefix) }.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }
    }

    /// The entries a compacted log holds: the durable ones, and those waiting to be durable (so that a
    /// compaction done between their write and its report keeps them).
    public var durableImage: [Replication.KeyedEntry] {
        var entries = replica.map.entries
        for (key, entry) in undurable where entries[key].map({ $0.timestamp < entry.timestamp }) ?? true {
            entries[key] = entry
        }
        return entries.sorted { $0.key < $1.key }.map { Replication.KeyedEntry($0.key, $0.value) }
    }

    /// Updates still being spread by rumor.
    public var pendingRumors: Int { rumors.count }

    // MARK: - Writing

    /// Writes `value` under `key`, stamped at `now`; the write is acknowledged (``Effect/acknowledged(write:_:)``
    /// with the returned identifier) once durable.
    ///
    /// - Throws: ``Replication/StoreError`` for a key or value over its limit.
    public mutating func put(_ key: String, _ value: [UInt8], at now: Instant) throws(Replication.StoreError)
        -> (write: UInt64, effects: [Effect])
    {
        try Self.validateUserKey(key)
        guard value.count <= Replication.maximumValueBytes else {
            throw Replication.StoreError(
                "value of \(value.count) bytes is over the limit of \(Replication.maximumValueBytes) bytes")
        }
        return (write(key, value: value, counter: nil, at: now), takeEffects(at: now))
    }

    /// Deletes `key` (a tombstone that later-arriving older writes cannot undo); acknowledged once durable.
    public mutating func delete(_ key: String, at now: Instant) throws(Replication.StoreError)
        -> (write: UInt64, effects: [Effect])
    {
        try Self.validateUserKey(key)
        return (write(key, value: nil, counter: nil, at: now), takeEffects(at: now))
    }

    /// Adds `amount` (negative to subtract) to the counter `name`; the acknowledgement carries its new value.
    /// Counters merge exactly: increments made anywhere, concurrently or across a partition, all count.
    public mutating func increment(_ name: String, by amount: Int64, at now: Instant) throws(Replication.StoreError)
        -> (write: UInt64, effects: [Effect])
    {
        try Self.validateUserKey(name)
        let slot = Replication.CounterSlot.key(counter: name, replica: self.name)
        var counts = Replication.CounterSlot((undurable[slot] ?? replica.map.entries[slot])?.value ?? [])
        counts.add(amount)
        return (write(slot, value: counts.encoded, counter: name, at: now), takeEffects(at: now))
    }

    private mutating func write(_ key: String, value: [UInt8]?, counter: String?, at now: Instant) -> UInt64 {
        nextWrite += 1
        let item = Replication.KeyedEntry(
            key, .init(value: value, timestamp: clock.now(wallMilliseconds: wallMilliseconds(at: now))))
        persist([item], origin: .local, write: (nextWrite, counter), session: nil)
        return nextWrite
    }

    // MARK: - Durability

    /// Entries from a peer: those that are newer than what this store holds or waits on are made durable, then
    /// applied (and passed on when they came in a rumor). Returns how many were asked to be made durable.
    @discardableResult
    mutating func offer(
        _ entries: [Replication.KeyedEntry], origin: Replication.KeyValueChange.Origin, session: UInt64? = nil,
        at now: Instant
    ) -> Int {
        let wall = wallMilliseconds(at: now)
        // An entry stamped further ahead of our clock than the skew bound waits: anti-entropy offers it again, and
        // it is taken once our clock is within the bound of it.
        let timely = entries.filter { clock.accepts($0.entry.timestamp, wallMilliseconds: wall) }
        statistics.futureEntriesRefused += entries.count - timely.count
        for item in timely { clock.observe(item.entry.timestamp, wallMilliseconds: wall) }
        // A tombstone past the horizon was dropped here already: taking it again would only bring it back.
        let expired = tombstoneHorizon(at: now)
        var newest: [String: Replication.Timestamp] = [:]
        var candidates: [Replication.KeyedEntry] = []
        for item in timely where item.entry.value != nil || item.entry.timestamp > expired {
            let held = newest[item.key] ?? undurable[item.key]?.timestamp ?? replica.map.entries[item.key]?.timestamp
            if let held, held >= item.entry.timestamp { continue }
            newest[item.key] = item.entry.timestamp
            candidates.append(item)
        }
        guard !candidates.isEmpty else {
            if let session { finishExchange(session) }
            return 0
        }
        persist(candidates, origin: origin, write: nil, session: session)
        return candidates.count
    }

    private mutating func persist(
        _ entries: [Replication.KeyedEntry], origin: Replication.KeyValueChange.Origin,
        write: (id: UInt64, counter: String?)?, session: UInt64?
    ) {
        nextBatch += 1
        for item in entries { undurable[item.key] = item.entry }
        batches[nextBatch] = Batch(entries: entries, origin: origin, write: write, session: session)
        effects.append(.persist(entries, batch: nextBatch))
    }

    /// The shell made `batch` durable (`failure` is `nil`), or could not: the entries are applied, spread and
    /// shown to watchers, and a local write acknowledged; a failed batch changes nothing and refuses its write.
    public mutating func persisted(
        batch: UInt64, failure: Replication.StoreError?, at now: Instant, using rng: inout some RandomNumberGenerator
    ) -> [Effect] {
        guard let done = batches.removeValue(forKey: batch) else { return [] }
        for item in done.entries where undurable[item.key] == item.entry { undurable[item.key] = nil }
        if let failure {
            statistics.persistFailures += 1
            if let write = done.write { effects.append(.acknowledged(write: write.id, .failure(failure))) }
            if let session = done.session { failExchange(session, failure) }
            return takeEffects(at: now)
        }
        var winners: [Replication.KeyedEntry] = []
        for item in done.entries where apply(item) { winners.append(item) }
        if done.origin == .rumor { statistics.rumorEntriesApplied += winners.count }
        // What anti-entropy brought is not news; what a rumor brought is passed on, unless a broadcast tree
        // carries rumors (it passes them on itself).
        if done.origin == .local || (done.origin == .rumor && !configuration.rumorsOverBroadcast) {
            for item in winners { spread(item, using: &rng) }
        }
        notifyWatchers(winners, origin: done.origin)
        if let write = done.write, let item = done.entries.first {
            let counter = write.counter.map { counterTotals[$0] ?? 0 }
            effects.append(
                .acknowledged(
                    write: write.id, .success(Acknowledgement(timestamp: item.entry.timestamp, counter: counter))))
        }
        if let session = done.session { finishExchange(session) }
        return takeEffects(at: now)
    }

    /// Applies a durable entry to the replica, keeping the counters' totals and the live size; returns whether
    /// it won.
    mutating func apply(_ item: Replication.KeyedEntry) -> Bool {
        let old = replica.map.entries[item.key]
        guard replica.apply(item.key, item.entry) else { return false }
        account(item.key, old: old, new: item.entry)
        return true
    }

    /// Keeps ``counterTotals`` and ``liveRecordBytes`` as `key` goes from `old` to `new` (`nil`: dropped).
    mutating func account(_ key: String, old: Replication.LWWMap.Entry?, new: Replication.LWWMap.Entry?) {
        liveRecordBytes += (new.map { Self.recordBytes(key, $0) } ?? 0) - (old.map { Self.recordBytes(key, $0) } ?? 0)
        guard let name = Replication.CounterSlot.counterName(of: key) else { return }
        let change =
            Replication.CounterSlot(new?.value ?? []).value &- Replication.CounterSlot(old?.value ?? []).value
        counterTotals[name, default: 0] &+= change
    }

    /// The bytes of `key`'s record in the log: its frame, key, timestamp and value.
    static func recordBytes(_ key: String, _ entry: Replication.LWWMap.Entry) -> Int {
        8 + 2 + key.utf8.count + 21 + (entry.value?.count ?? 0)
    }

    private mutating func notifyWatchers(
        _ items: [Replication.KeyedEntry], origin: Replication.KeyValueChange.Origin
    ) {
        var changes: [Replication.KeyValueChange] = []
        for item in items {
            var change = Replication.KeyValueChange(
                key: item.key, value: item.entry.value, timestamp: item.entry.timestamp, origin: origin)
            if let name = Replication.CounterSlot.counterName(of: item.key) {
                change.key = name
                change.value = Array(String(counterTotals[name] ?? 0).utf8)
            } else if !Self.isUserKey(item.key) {
                continue
            }
            changes.append(change)
        }
        if !changes.isEmpty { effects.append(.changed(changes)) }
    }

    // MARK: - Keys

    /// User keys are non-empty, within the limit, and do not start with NUL (reserved for counters).
    public static func validateUserKey(_ key: String) throws(Replication.StoreError) {
        guard !key.isEmpty else { throw Replication.StoreError("the key is empty") }
        guard key.utf8.count <= maximumKeyBytes else {
            throw Replication.StoreError("key of \(key.utf8.count) bytes is over the limit of \(maximumKeyBytes) bytes")
        }
        guard isUserKey(key) else { throw Replication.StoreError("keys starting with a NUL byte are reserved") }
    }

    /// Whether `key` is a user's (not a counter slot's).
    public static func isUserKey(_ key: String) -> Bool { key.utf8.first != 0 }
}
