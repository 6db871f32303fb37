import Foundation
import GossipCore
import GossipStorage
import MemberlistWire
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
        makeSubscription { keyValueWatchers[$0] = KeyValueWatcher(prefix: prefix, continuation: $1) }
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

    // MARK: - Anti-entropy

    /// Runs one anti-entropy exchange with the node at `address`: compares Merkle trees, then fetches what the
    /// peer holds newer and pushes what this node holds newer. Fetched entries are durable here when it returns.
    @discardableResult
    public func synchronize(with address: NodeAddress) async throws(KeyValueError)
        -> Replication.AntiEntropyInitiator.Outcome
    {
        guard isRunning, let replication = configuration.replication else {
            throw KeyValueError("replication is not running on this node")
        }
        var initiator = Replication.AntiEntropyInitiator(depth: replication.treeDepth)
        var request = initiator.start()
        do throws(KeyValueError) {
            while true {
                let payload = ReplicationPayload.wrap(ReplicationPayload.sync, request.encode())
                let answer = await exchange(
                    streamCodec.encode(.user(payload), using: &rng), with: address,
                    timeout: configuration.settings.streamTimeout)
                guard case .user(let bytes)? = answer, bytes.first == ReplicationPayload.sync else {
                    throw KeyValueError("no anti-entropy answer from \(address)")
                }
                let reply: Replication.SyncMessage
                do { reply = try Replication.SyncMessage(decoding: bytes.dropFirst()) } catch {
                    replicationCounters.malformedMessages += 1
                    throw KeyValueError("malformed anti-entropy answer from \(address): \(error)")
                }
                let step: Replication.AntiEntropyInitiator.Step
                do { step = try initiator.receive(reply, replica: replica.replica) } catch {
                    throw KeyValueError("\(error)")
                }
                switch step {
                case .send(let next):
                    request = next
                case .finished(let outcome):
                    try applyRemote(outcome.fetched, origin: .antiEntropy)
                    replicationCounters.exchangesCompleted += 1
                    replicationCounters.entriesFetched += outcome.fetched.count
                    replicationCounters.entriesPushed += outcome.pushed
                    return outcome
                }
            }
        } catch {
            replicationCounters.exchangesFailed += 1
            throw error
        }
    }

    /// The answer to an anti-entropy request that arrived on a stream, `nil` (the stream is closed unanswered)
    /// when replication is off.
    func answerReplicationStream(_ payload: [UInt8]) -> [UInt8]? {
        guard configuration.replication != nil, payload.first == ReplicationPayload.sync else { return nil }
        let reply: Replication.SyncMessage
        do {
            let request = try Replication.SyncMessage(decoding: payload.dropFirst())
            if case .push(let entries) = request {
                do {
                    reply = .accepted(UInt32(try applyRemote(entries, origin: .antiEntropy)))
                } catch {
                    reply = .refused("\(error)")
                }
            } else {
                reply = replica.replica.answer(request)
            }
        } catch {
            replicationCounters.malformedMessages += 1
            countDrop(.invalidField(name: "replication", reason: "\(error)"))
            reply = .refused("\(error)")
        }
        replicationCounters.requestsAnswered += 1
        return ReplicationPayload.wrap(ReplicationPayload.sync, reply.encode())
    }

    // MARK: - Rumors

    /// Handles a replication or aggregation datagram payload from `sender`.
    func receiveReplication(_ payload: [UInt8], from sender: NodeAddress) {
        guard configuration.replication != nil else { return }
        if payload.first == ReplicationPayload.aggregate {
            receiveAggregateShare(payload)
            return
        }
        guard payload.first == ReplicationPayload.rumor,
            case .rumor(let entries)? = try? Replication.SyncMessage(decoding: payload.dropFirst())
        else {
            replicationCounters.malformedMessages += 1
            countDrop(.invalidField(name: "replication", reason: "a malformed rumor"))
            return
        }
        do {
            replicationCounters.rumorEntriesApplied += try applyRemote(entries, origin: .rumor)
        } catch {
            logger.error("could not store replicated entries", metadata: ["gossip.error": "\(error)"])
        }
    }

    /// One rumor round: the least-sent pending updates to a few random replicating peers, in up to
    /// ``ReplicationConfiguration/rumorPacketsPerRound`` datagrams each.
    func gossipRumors() {
        guard isRunning, let replication = configuration.replication, rumors.count > 0 else { return }
        let peers = Array(replicationPeers.shuffled(using: &rng).prefix(replication.fanout))
        let limit = replication.retransmitMultiplier * Int((log10(Double(replicationPeers.count + 2))).rounded(.up))
        let budget = configuration.settings.udpBufferSize - settings.packetOverhead - 64
        for _ in 0..<replication.rumorPacketsPerRound {
            let batch = rumors.nextBatch(
                maximumBytes: budget - Replication.SyncMessage.listHeaderBytes - 1, recipients: peers.count,
                limit: max(1, limit))
            guard !batch.isEmpty else { return }
            let payload = ReplicationPayload.wrap(
                ReplicationPayload.rumor, Replication.SyncMessage.rumor(batch).encode())
            for peer in peers {
                send([.user(payload)], to: peer.address, destination: peer.name)
                replicationCounters.rumorsSent += 1
            }
        }
        // A backlog that rounds cannot carry soon (a bulk load) goes by anti-entropy at once.
        if rumors.count > replication.rumorBacklogForAntiEntropy, !antiEntropyInFlight {
            Task { await antiEntropyRound() }
        }
    }

    /// Live members that replicate (they carry the capability tag), this node excluded.
    public var replicationPeers: [SWIM.Member] {
        members.filter { member in
            member.name != configuration.name && member.status == .alive
                && (try? SerfTags.decode(member.metadata))?[ReplicationConfiguration.capabilityTag]?
                    .split(separator: ",").contains(Substring(ReplicationConfiguration.capabilityValue)) == true
        }
    }

    // MARK: - Lifecycle

    /// The tags this node announces: the configured ones, and the capability tag when it replicates.
    var advertisedTags: [String: String] {
        var tags = configuration.tags
        if configuration.replication != nil {
            tags[ReplicationConfiguration.capabilityTag] = ReplicationConfiguration.capabilityValue
        }
        return tags
    }

    /// Opens the replica's log in the data directory (creating the directory), refusing a damaged file.
    func openReplica() throws {
        guard let replication = configuration.replication else { return }
        guard let directory = replication.dataDirectory else {
            replica = .inMemory(treeDepth: replication.treeDepth)
            return
        }
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let path = (directory as NSString).appendingPathComponent("replica.log")
        replica = try ReplicaLog(path: path, treeDepth: replication.treeDepth)
        if let newest = replica.replica.map.entries.values.map(\.timestamp).max() {
            hybridClock.observe(newest, wallMilliseconds: wallMilliseconds)
        }
        logger.info(
            "replica opened",
            metadata: [
                "gossip.path": "\(path)", "gossip.keys": "\(replica.replica.map.entries.count)",
                "gossip.torn": "\(replica.tornRecordsDropped)",
            ])
    }

    /// Starts the rumor, anti-entropy and aggregation loops.
    func startReplication() {
        guard let replication = configuration.replication else { return }
        replicationTasks.append(
            repeating(every: replication.gossipInterval) { node in await node.gossipRumors() })
        replicationTasks.append(
            repeating(every: replication.aggregationInterval) { node in await node.aggregationRound() })
        replicationTasks.append(
            repeating(every: replication.antiEntropyInterval, jittered: true) { node in
                await node.antiEntropyRound()
            })
    }

    /// A task that runs `body` every `interval` (with up to half an interval of random delay first when
    /// `jittered`, so that nodes started together do not exchange in step) until the node stops.
    private func repeating(
        every interval: Duration, jittered: Bool = false,
        _ body: @escaping @Sendable (GossipNode) async -> Void
    ) -> Task<Void, Never> {
        let delay = jittered ? interval * Double.random(in: 0..<0.5, using: &rng) : .zero
        return Task { [weak self] in
            try? await Task.sleep(for: delay)
            while !Task.isCancelled {
                try? await Task.sleep(for: interval)
                guard let self, !Task.isCancelled else { return }
                await body(self)
            }
        }
    }

    /// One anti-entropy exchange with a random replicating peer.
    func antiEntropyRound() async {
        guard isRunning, !antiEntropyInFlight, let peer = replicationPeers.randomElement(using: &rng) else { return }
        antiEntropyInFlight = true
        defer { antiEntropyInFlight = false }
        do {
            let outcome = try await synchronize(with: peer.address)
            if !outcome.fetched.isEmpty || outcome.pushed > 0 {
                logger.info(
                    "anti-entropy repaired",
                    metadata: [
                        "gossip.peer": "\(peer.name)", "gossip.fetched": "\(outcome.fetched.count)",
                        "gossip.pushed": "\(outcome.pushed)",
                    ])
            }
        } catch {
            logger.debug("anti-entropy failed", metadata: ["gossip.peer": "\(peer.name)", "gossip.error": "\(error)"])
        }
    }

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
        for item in entries { hybridClock.observe(item.entry.timestamp, wallMilliseconds: wall) }
        let winners = entries.filter { item in
            (replica.replica.map.entries[item.key]?.timestamp ?? .zero) < item.entry.timestamp
        }
        guard !winners.isEmpty else { return 0 }
        do {
            try replica.append(contentsOf: winners)
        } catch {
            throw KeyValueError("\(error)")
        }
        if origin == .rumor { winners.forEach(spread) }
        notifyWatchers(winners, origin: origin)
        return winners.count
    }

    /// Starts a rumor for `item` when it fits in a datagram; a larger one is pushed to a few peers over TCP at
    /// once (anti-entropy carries it the rest of the way).
    private func spread(_ item: Replication.KeyedEntry) {
        let budget = configuration.settings.udpBufferSize - settings.packetOverhead - 64
        if Replication.SyncMessage.encodedSize(of: item) + Replication.SyncMessage.listHeaderBytes + 1 <= budget {
            rumors.add(item)
            return
        }
        let fanout = configuration.replication?.fanout ?? 3
        let payload = ReplicationPayload.wrap(ReplicationPayload.sync, Replication.SyncMessage.push([item]).encode())
        let request = streamCodec.encode(.user(payload), using: &rng)
        let timeout = configuration.settings.streamTimeout
        for peer in replicationPeers.shuffled(using: &rng).prefix(fanout) {
            Task { _ = await self.exchange(request, with: peer.address, timeout: timeout) }
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
            for watcher in keyValueWatchers.values where change.key.hasPrefix(watcher.prefix) {
                watcher.continuation.yield(change)
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

/// One replica's share of a counter, stored under its own key (`NUL counter NUL name NUL replica`) so that only
/// that replica ever writes it and last-writer-wins keeps every increment: the counter is the sum of the slots
/// (a PN-counter laid over the map).
struct CounterSlot {
    var increments: UInt64 = 0
    var decrements: UInt64 = 0

    static let prefix = "\u{0}counter\u{0}"

    static func key(counter name: String, replica: String) -> String { prefix + name + "\u{0}" + replica }

    /// The counter a slot key belongs to, or `nil` for other keys.
    static func counterName(of key: String) -> String? {
        guard key.hasPrefix(prefix) else { return nil }
        let rest = key.dropFirst(prefix.count)
        guard let end = rest.lastIndex(of: "\u{0}") else { return nil }
        return String(rest[..<end])
    }

    init(_ bytes: [UInt8]) {
        guard bytes.count == 16 else { return }
        for index in 0..<8 {
            increments |= UInt64(bytes[index]) << (8 * index)
            decrements |= UInt64(bytes[8 + index]) << (8 * index)
        }
    }

    mutating func add(_ amount: Int64) {
        if amount >= 0 { increments &+= UInt64(amount) } else { decrements &+= amount.magnitude }
    }

    var value: Int64 { Int64(bitPattern: increments &- decrements) }

    var encoded: [UInt8] {
        withUnsafeBytes(of: increments.littleEndian, Array.init)
            + withUnsafeBytes(of: decrements.littleEndian, Array.init)
    }
}
