import Foundation
import GossipCore
import NIOPosix
import NodeCore
import Replication

/// The replicated key-value store and the aggregates on the node: the store is a value inside the core
/// (``Replication/Store``); the node makes its batches durable on the blocking-I/O pool, carries its
/// anti-entropy streams, and hands its acknowledgements, changes and alerts to the callers waiting for them.
extension GossipNode {
    // MARK: - Reading and writing

    /// Writes `value` under `key`; returns once the write is durable on this node (fsync when there is a data
    /// directory), with the write's timestamp. Conflicting writes elsewhere resolve by that timestamp: the
    /// largest wins everywhere.
    @discardableResult
    public func put(_ key: String, _ value: [UInt8]) async throws(KeyValueError) -> Replication.Timestamp {
        try await acknowledgement { core throws(KeyValueError) in try core.put(key, value, at: now) }.timestamp
    }

    /// Deletes `key` (a tombstone that later-arriving older writes cannot undo); returns once durable.
    @discardableResult
    public func delete(_ key: String) async throws(KeyValueError) -> Replication.Timestamp {
        try await acknowledgement { core throws(KeyValueError) in try core.delete(key, at: now) }.timestamp
    }

    /// Adds `amount` (negative to subtract) to the counter `name` and returns its new value once durable.
    /// Counters merge exactly: increments made anywhere, concurrently or across a partition, all count.
    @discardableResult
    public func increment(_ name: String, by amount: Int64) async throws(KeyValueError) -> Int64 {
        try await acknowledgement { core throws(KeyValueError) in try core.increment(name, by: amount, at: now) }
            .counter ?? 0
    }

    /// The value of `key`, or `nil` if it is absent or deleted.
    public func value(of key: String) -> [UInt8]? { core?.store?.value(of: key) }

    /// Live keys and values under `prefix`, sorted by key (counters are listed by ``counters(prefix:)``).
    public func keyValues(prefix: String = "") -> [(key: String, value: [UInt8])] {
        core?.store?.keyValues(prefix: prefix) ?? []
    }

    /// The value of counter `name`, or `nil` if nobody has changed it.
    public func counter(_ name: String) -> Int64? { core?.store?.counter(name) }

    /// Every counter under `prefix` with its value, sorted by name.
    public func counters(prefix: String = "") -> [(name: String, value: Int64)] {
        core?.store?.counters(prefix: prefix) ?? []
    }

    /// Changes under `prefix` from now on (local writes and those that arrive), until the node stops or the
    /// listener stops iterating.
    public func watch(prefix: String = "") -> AsyncStream<KeyValueChange> {
        makeSubscription(buffering: 32) { keyValueWatchers[$0] = KeyValueWatcher(prefix: prefix, continuation: $1) }
    }

    /// The replication counters now.
    public var replicationStatistics: ReplicationStatistics {
        guard let store = core?.store else { return ReplicationStatistics() }
        var statistics = store.statistics
        statistics.keys = store.replica.map.entries.count
        (statistics.logRecords, statistics.logBytes) = replicaFile?.size ?? (0, 0)
        statistics.pendingRumors = store.pendingRumors
        return statistics
    }

    /// The root of the replica's Merkle tree: two nodes holding the same data have the same root.
    public var replicaRoot: UInt64 { core?.store?.replica.tree.root ?? 0 }

    /// Live members that replicate (they carry the capability tag), this node excluded, sorted by name.
    public var replicationPeers: [Replication.Store.Peer] { core?.store?.peers ?? [] }

    /// Runs one anti-entropy exchange with the node at `address`: compares Merkle trees, then fetches what the
    /// peer holds newer and pushes what this node holds newer. Fetched entries are durable here when it returns.
    @discardableResult
    public func synchronize(with address: NodeAddress) async throws(KeyValueError)
        -> Replication.AntiEntropyInitiator.Outcome
    {
        guard isRunning, core != nil, core!.store != nil else {
            throw KeyValueError("replication is not running on this node")
        }
        let name = core!.members.first { $0.address == address }?.name ?? "\(address)"
        let (session, effects) = try core!.synchronize(
            with: Replication.Store.Peer(name: name, address: address), at: now, using: &rng)
        guard let session else { throw KeyValueError("no peer to synchronize with") }
        let result = await withCheckedContinuation { continuation in
            pendingSynchronizations[session] = continuation
            execute(effects)
        }
        return try result.get()
    }

    /// Drops expired tombstones and compacts the log when superseded records are most of it; runs every
    /// `ReplicationConfiguration.maintenanceInterval`, and may be called at any time.
    public func maintainReplica() {
        guard isRunning, core != nil else { return }
        let effects = core!.maintainStore(at: now)
        execute(effects)
    }

    // MARK: - Aggregates

    /// Sets this node's value of aggregate `name` (or clears it with `nil`); it counts from the next epoch.
    public func setAggregate(_ name: String, _ value: Double?) throws(KeyValueError) {
        guard core != nil else { throw KeyValueError("the node is not running") }
        execute(try core!.setAggregate(name, value, at: now))
    }

    /// The cluster-wide reading of aggregate `name`, or `nil` if this node has not heard of it.
    public func aggregate(_ name: String) -> AggregateReading? { core?.store?.aggregate(name, at: now) }

    /// The names of the aggregates this node knows.
    public var aggregateNames: [String] { core?.store?.aggregateNames ?? [] }

    /// Checks `rule` at the end of every epoch from now on, raising the local user events `alert` and
    /// `alert-resolved` (seen by ``subscribeUserEvents()``, `gossip stream` and event handlers) when it starts
    /// and stops holding.
    public func addAlert(_ rule: AlertRule) {
        try? core?.addAlert(rule)
    }

    /// The alert rules this node checks, each with whether it held at the end of the last epoch.
    public var alertStates: [(rule: AlertRule, firing: Bool)] { core?.store?.alertStates ?? [] }

    // MARK: - The store's effects

    /// Runs a store command on the core and waits for its write to be durable.
    private func acknowledgement(
        _ command: (inout NodeCore) throws(KeyValueError) -> (write: UInt64, effects: [NodeCore.Effect])
    ) async throws(KeyValueError) -> Replication.Store.Acknowledgement {
        guard isRunning, core != nil else { throw KeyValueError("the node is not running") }
        // A write is stamped with the wall clock as it reads now (a clock step shows at once, not at the store's
        // next round).
        core!.anchorWallClock(milliseconds: wallMilliseconds, at: now)
        let (write, effects) = try command(&core!)
        let result = await withCheckedContinuation { continuation in
            pendingWrites[write] = continuation
            execute(effects)
        }
        return try result.get()
    }

    /// Carries out what the store asked.
    func perform(_ effect: Replication.Store.Effect) {
        switch effect {
        case .persist(let entries, let batch):
            if replicaFile != nil {
                persistJobs.continuation.yield(.write(entries, batch: batch))
            } else {
                durableInMemory.append(batch)
            }
        case .exchange(let request, let peer, let session):
            let framed = streamCodec.encode(.user(request), using: &rng)
            let timeout = configuration.settings.streamTimeout
            spawn {
                let answer = await self.exchange(framed, with: peer.address, timeout: timeout)
                var reply: [UInt8]?
                if case .user(let bytes)? = answer { reply = bytes }
                await self.exchangeAnswered(session: session, reply: reply)
            }
        case .push(let request, let peer):
            sendOverStream(request, to: peer.address)
        case .changed(let changes):
            notifyWatchers(changes)
        case .acknowledged(let write, let result):
            pendingWrites.removeValue(forKey: write)?.resume(returning: result)
        case .synchronized(let session, let peer, let result):
            switch result {
            case .success(let outcome) where !outcome.fetched.isEmpty || outcome.pushed > 0:
                logger.info(
                    "anti-entropy repaired",
                    metadata: [
                        "gossip.peer": "\(peer.name)", "gossip.fetched": "\(outcome.fetched.count)",
                        "gossip.pushed": "\(outcome.pushed)",
                    ])
            case .failure(let error):
                logger.debug(
                    "anti-entropy failed", metadata: ["gossip.peer": "\(peer.name)", "gossip.error": "\(error)"])
            default:
                break
            }
            pendingSynchronizations.removeValue(forKey: session)?.resume(returning: result)
        case .alert(let rule, let firing, let quantity):
            let value = quantity.map { String($0) } ?? "unknown"
            let name = firing ? "alert" : "alert-resolved"
            logger.warning("\(name)", metadata: ["gossip.rule": "\(rule)", "gossip.value": "\(value)"])
            deliverLocally(.init(lamportTime: 0, name: name, payload: Array("\(rule): \(value)".utf8), coalesce: false))
        case .maintained(let liveBytes, let dropped):
            if dropped > 0 { logger.debug("tombstones dropped", metadata: ["gossip.count": "\(dropped)"]) }
            if let replicaFile, replicaFile.wantsCompaction(liveRecordBytes: liveBytes), let store = core?.store {
                persistJobs.continuation.yield(.compact(store.durableImage))
            }
        case .send, .arm, .broadcast:
            break  // the core turns these into the node's own
        }
    }

    /// Makes the store's batches durable in order, on the blocking-I/O pool, until the node stops.
    func runPersistence() async {
        guard let replicaFile else { return }
        for await job in persistJobs.stream {
            switch job {
            case .write(let entries, let batch):
                var failure: KeyValueError?
                do {
                    try await NIOThreadPool.singleton.runIfActive { try replicaFile.write(entries) }
                } catch {
                    failure = KeyValueError("\(error)")
                    logger.error("could not make a batch durable", metadata: ["gossip.error": "\(error)"])
                }
                reportDurable(batch, failure: failure)
            case .compact(let entries):
                let before = replicaFile.size.bytes
                do {
                    try await NIOThreadPool.singleton.runIfActive { try replicaFile.compact(to: entries) }
                    logger.info(
                        "replica log compacted",
                        metadata: ["gossip.before": "\(before)", "gossip.after": "\(replicaFile.size.bytes)"])
                } catch {
                    logger.error("replica log compaction failed", metadata: ["gossip.error": "\(error)"])
                }
            }
        }
    }

    /// Tells the core that `batch` is durable (or failed), and carries out what follows.
    func reportDurable(_ batch: UInt64, failure: KeyValueError?) {
        guard isRunning, core != nil else { return }
        let effects = core!.persisted(batch: batch, failure: failure, at: now, using: &rng)
        execute(effects)
    }

    func exchangeAnswered(session: UInt64, reply: [UInt8]?) {
        guard isRunning, core != nil else { return }
        let effects = core!.exchangeAnswered(session: session, reply: reply, at: now, using: &rng)
        execute(effects)
    }

    /// The answer to an anti-entropy request that arrived on a stream, `nil` (the stream is closed unanswered)
    /// when replication is off.
    func answerReplicationStream(_ payload: [UInt8]) -> [UInt8]? {
        guard isRunning, core != nil else { return nil }
        let (reply, effects) = core!.answerReplication(payload, at: now)
        execute(effects)
        return reply
    }

    private func notifyWatchers(_ changes: [KeyValueChange]) {
        guard !keyValueWatchers.isEmpty else { return }
        for change in changes {
            for (key, watcher) in keyValueWatchers where change.key.hasPrefix(watcher.prefix) {
                switch watcher.continuation.yield(change) {
                case .dropped: feedStatistics.recordDrop()
                case .terminated: keyValueWatchers[key] = nil
                default: break
                }
            }
        }
    }

    /// Ends every wait on the store when the node stops: writes not yet durable are refused.
    func failStoreWaiters() {
        let stopped = KeyValueError("the node stopped before the write was durable")
        for waiter in pendingWrites.values { waiter.resume(returning: .failure(stopped)) }
        pendingWrites = [:]
        for waiter in pendingSynchronizations.values {
            waiter.resume(returning: .failure(KeyValueError("the node stopped")))
        }
        pendingSynchronizations = [:]
        persistJobs.continuation.finish()
    }

    // MARK: - Keys

    /// The longest key, in bytes: the replica's limit less room for a counter's slot prefix and node name.
    public static let maximumKeyBytes = Replication.Store.maximumKeyBytes

    var wallMilliseconds: UInt64 { UInt64(max(0, Date().timeIntervalSince1970 * 1_000)) }
}

/// A `watch` listener: the changes under a prefix.
struct KeyValueWatcher {
    var prefix: String
    var continuation: AsyncStream<KeyValueChange>.Continuation
}

/// The replicated store's types, under the names the node has always given them.
public typealias KeyValueError = Replication.StoreError
/// How a node replicates (see `Replication.Store.Configuration`).
public typealias ReplicationConfiguration = Replication.Store.Configuration

/// How a node carries user events and rumors on a broadcast tree (``NodeConfiguration/broadcastTree``).
public typealias BroadcastTreeConfiguration = NodeCore.TreeConfiguration
/// What a node's broadcast tree sent and dropped (``GossipNode/broadcastTreeStatistics``).
public typealias BroadcastTreeStatistics = NodeCore.TreeStatistics
/// A store's replication counters (see `Replication.Store.Statistics`).
public typealias ReplicationStatistics = Replication.Store.Statistics
/// A change a store applied (see `Replication.KeyValueChange`).
public typealias KeyValueChange = Replication.KeyValueChange
/// A threshold on an aggregate (see `Replication.AlertRule`).
public typealias AlertRule = Replication.AlertRule
/// An aggregate as one node reads it (see `Replication.AggregateReading`).
public typealias AggregateReading = Replication.AggregateReading
