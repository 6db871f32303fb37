import Foundation
import GossipCore
import GossipStorage
import MemberlistWire
import NodeCore
import Replication
import SWIM

/// The replicated key-value store: a last-writer-wins map with hybrid-logical-clock timestamps, written durably
/// here before a write is acknowledged, spread to the other swift-gossip nodes by rumor mongering on the gossip
/// path and repaired by Merkle anti-entropy with a random peer over TCP.
extension GossipNode {
    // MARK: - Reading and writing

    /// Writes `value` under `key`; returns once the write is durable on this node (fsync when there is a data
    /// directory), with the write's timestamp. Conflicting writes elsewhere resolve by that timestamp: the
    /// largest wins everywhere.
    @discardableResult
    public func put(_ key: String, _ value: [UInt8]) throws(KeyValueError) -> Replication.Timestamp {
        try Self.validateUserKey(key)
        guard value.count <= Replication.maximumValueBytes else {
            throw KeyValueError(
                "value of \(value.count) bytes is over the limit of \(Replication.maximumValueBytes) bytes")
        }
        return try writeLocally(key, value: value)
    }

    /// Deletes `key` (a tombstone that later-arriving older writes cannot undo); returns once durable.
    @discardableResult
    public func delete(_ key: String) throws(KeyValueError) -> Replication.Timestamp {
        try Self.validateUserKey(key)
        return try writeLocally(key, value: nil)
    }

    /// The value of `key`, or `nil` if it is absent or deleted.
    public func value(of key: String) -> [UInt8]? {
        Self.isUserKey(key) ? replica.replica.map[key] : nil
    }

    /// Live keys and values under `prefix`, sorted by key (counters are listed by ``counters(prefix:)``).
    public func keyValues(prefix: String = "") -> [(key: String, value: [UInt8])] {
        replica.replica.map.entries
            .compactMap { key, entry in
                guard Self.isUserKey(key), key.hasPrefix(prefix), let value = entry.value else { return nil }
                return (key, value)
            }
            .sorted { $0.key < $1.key }
    }

    /// Adds `amount` (negative to subtract) to the counter `name` and returns its new value. Counters merge
    /// exactly: increments made anywhere, concurrently or across a partition, all count.
    @discardableResult
    public func increment(_ name: String, by amount: Int64) throws(KeyValueError) -> Int64 {
        try Self.validateUserKey(name)
        let slot = CounterSlot.key(counter: name, replica: configuration.name)
        var counts = CounterSlot(replica.replica.map[slot] ?? [])
        counts.add(amount)
        try writeLocally(slot, value: counts.encoded)
        return counter(name) ?? 0
    }

    /// The value of counter `name`, or `nil` if nobody has changed it.
    public func counter(_ name: String) -> Int64? {
        let slots = replica.replica.map.entries.filter { CounterSlot.counterName(of: $0.key) == name }
        guard !slots.isEmpty else { return nil }
        return slots.values.reduce(Int64(0)) { $0 &+ CounterSlot($1.value ?? []).value }
    }

    /// Every counter under `prefix` with its value, sorted by name.
    public func counters(prefix: String = "") -> [(name: String, value: Int64)] {
        var totals: [String: Int64] = [:]
        for (key, entry) in replica.replica.map.entries {
            guard let name = CounterSlot.counterName(of: key), name.hasPrefix(prefix) else { continue }
            totals[name, default: 0] &+= CounterSlot(entry.value ?? []).value
        }
        return totals.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }
    }

    /// Changes under `prefix` from now on (local writes and those that arrive), until the node stops or the
    /// listener stops iterating.
    public func watch(prefix: String = "") -> AsyncStream<KeyValueChange> {
        makeSubscription(buffering: 32) { keyValueWatchers[$0] = KeyValueWatcher(prefix: prefix, continuation: $1) }
    }

    /// The replication counters now.
    public var replicationStatistics: ReplicationStatistics {
        var statistics = replicationCounters
        statistics.keys = replica.replica.map.entries.count
        statistics.logRecords = replica.recordCount
        statistics.logBytes = replica.fileBytes
        statistics.pendingRumors = rumors.count
        return statistics
    }

    /// The root of the replica's Merkle tree: two nodes holding the same data have the same root.
    public var replicaRoot: UInt64 { replica.replica.tree.root }

    // MARK: - Applying writes

    /// Stamps and durably applies a local write, starts its rumor and tells watchers.
    @discardableResult
    private func writeLocally(_ key: String, value: [UInt8]?) throws(KeyValueError) -> Replication.Timestamp {
        guard configuration.replication != nil else {
            throw KeyValueError("this node does not replicate (no replication configuration)")
        }
        let item = Replication.KeyedEntry(
            key, .init(value: value, timestamp: hybridClock.now(wallMilliseconds: wallMilliseconds)))
        do {
            try replica.append(contentsOf: [item])
        } catch {
            throw KeyValueError("\(error)")
        }
        spread(item)
        notifyWatchers([item], origin: .local)
        return item.entry.timestamp
    }

    /// Applies entries from a peer: the newer ones are made durable, spread further (a rumor that is new here is
    /// passed on) and shown to watchers. Returns how many won.
    @discardableResult
    func applyRemote(_ entries: [Replication.KeyedEntry], origin: KeyValueChange.Origin) throws(KeyValueError)
        -> Int
    {
        let wall = wallMilliseconds
        // An entry stamped further ahead of our clock than the skew bound waits: anti-entropy offers it again, and
        // it is taken once our clock is within the bound of it.
        let timely = entries.filter { hybridClock.accepts($0.entry.timestamp, wallMilliseconds: wall) }
        replicationCounters.futureEntriesRefused += entries.count - timely.count
        for item in timely { hybridClock.observe(item.entry.timestamp, wallMilliseconds: wall) }
        // A tombstone past the horizon was dropped here already: taking it again would only bring it back.
        let expired = tombstoneHorizon
        let candidates = timely.filter { $0.entry.value != nil || $0.entry.timestamp > expired }
        let winners: [Replication.KeyedEntry]
        do {
            winners = try replica.append(contentsOf: candidates)
        } catch {
            throw KeyValueError("\(error)")
        }
        guard !winners.isEmpty else { return 0 }
        if origin == .rumor { winners.forEach(spread) }
        notifyWatchers(winners, origin: origin)
        return winners.count
    }

    /// Starts a rumor for `item` when it fits in a datagram; a larger one is pushed to a few peers over TCP at
    /// once (anti-entropy carries it the rest of the way).
    private func spread(_ item: Replication.KeyedEntry) {
        let budget = configuration.settings.udpBufferSize - packetOverhead - 64
        if Replication.SyncMessage.encodedSize(of: item) + Replication.SyncMessage.listHeaderBytes + 1 <= budget {
            rumors.add(item)
            return
        }
        let fanout = configuration.replication?.fanout ?? 3
        let payload = ReplicationPayload.wrap(ReplicationPayload.sync, Replication.SyncMessage.push([item]).encode())
        let request = streamCodec.encode(.user(payload), using: &rng)
        let timeout = configuration.settings.streamTimeout
        for peer in replicationPeers.shuffled(using: &rng).prefix(fanout) {
            spawn { _ = await self.exchange(request, with: peer.address, timeout: timeout) }
        }
    }

    private func notifyWatchers(_ items: [Replication.KeyedEntry], origin: KeyValueChange.Origin) {
        guard !keyValueWatchers.isEmpty else { return }
        for item in items {
            var change = KeyValueChange(
                key: item.key, value: item.entry.value, timestamp: item.entry.timestamp, origin: origin)
            if let name = CounterSlot.counterName(of: item.key) {
                change.key = name
                change.value = Array(String(counter(name) ?? 0).utf8)
            } else if !Self.isUserKey(item.key) {
                continue
            }
            for (key, watcher) in keyValueWatchers where change.key.hasPrefix(watcher.prefix) {
                switch watcher.continuation.yield(change) {
                case .dropped: feedStatistics.recordDrop()
                case .terminated: keyValueWatchers[key] = nil
                default: break
                }
            }
        }
    }

    // MARK: - Keys

    /// The identifier this node stamps its writes with: FNV-1a of its name.
    static func replicaIdentifier(of name: String) -> UInt32 {
        name.utf8.reduce(UInt32(2_166_136_261)) { ($0 ^ UInt32($1)) &* 16_777_619 }
    }

    var wallMilliseconds: UInt64 { UInt64(max(0, Date().timeIntervalSince1970 * 1_000)) }

    /// The longest key, in bytes: the replica's limit less room for a counter's slot prefix and node name.
    public static let maximumKeyBytes = Replication.maximumKeyBytes - 64

    /// User keys are non-empty, within the limit, and do not start with NUL (reserved for counters).
    static func validateUserKey(_ key: String) throws(KeyValueError) {
        guard !key.isEmpty else { throw KeyValueError("the key is empty") }
        guard key.utf8.count <= maximumKeyBytes else {
            throw KeyValueError("key of \(key.utf8.count) bytes is over the limit of \(maximumKeyBytes) bytes")
        }
        guard isUserKey(key) else { throw KeyValueError("keys starting with a NUL byte are reserved") }
    }

    static func isUserKey(_ key: String) -> Bool { key.utf8.first != 0 }
}
