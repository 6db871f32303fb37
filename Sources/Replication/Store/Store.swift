import Dissemination
import GossipCore

extension Replication {
    /// A node's share of the replicated key-value store and of the cluster's aggregates, as one value with no I/O,
    /// no clock and no global randomness: every input comes with the instant it happens at (and a random number
    /// generator where a choice is made), and what the store wants done comes back as ``Effect``s.
    ///
    /// What it holds: the replica (a last-writer-wins map under a Merkle tree), the hybrid logical clock that
    /// stamps local writes, the rumors being spread, the anti-entropy exchanges in progress, the counters'
    /// totals, the aggregates in their epochs with the alert rules on them, and the replicating peers.
    ///
    /// Durability is the shell's, asked for with ``Effect/persist(_:batch:)`` and reported back with
    /// ``persisted(batch:failure:at:using:)``: an entry reaches the replica (and readers, watchers and other
    /// replicas) only once it is durable, and a local write is acknowledged (``Effect/acknowledged(write:_:)``)
    /// only then. A batch the shell fails to make durable changes nothing: its writes are refused, and entries
    /// from peers in it are taken again when a rumor or anti-entropy offers them again.
    ///
    /// ```swift
    /// var store = Replication.Store(name: "web-1")
    /// var effects = store.start(at: .zero, using: &rng)
    /// let write = try store.put("greeting", Array("hello".utf8), at: now)   // → .persist(…, batch: b)
    /// effects = store.persisted(batch: b, failure: nil, at: now, using: &rng)  // → .acknowledged(write: write, …)
    /// ```
    public struct Store: Sendable {
        /// A replicating peer: a live member carrying the replication capability.
        public struct Peer: Hashable, Sendable {
            /// Its member name.
            public var name: String
            /// Where its datagrams and streams go.
            public var address: NodeAddress

            /// A peer called `name` at `address`.
            public init(name: String, address: NodeAddress) {
                self.name = name
                self.address = address
            }
        }

        /// The configuration the store runs with.
        public let configuration: Configuration
        /// The name of the node the store belongs to; its writes are stamped with an identifier derived from it.
        public let name: String
        /// The durable data: every entry here has been made durable by the shell.
        public internal(set) var replica: Replica
        /// Counters of what the store did.
        public internal(set) var statistics = Statistics()

        var clock: HybridLogicalClock
        var rumors = UpdateRumors()
        /// The replicating peers by name, and their names sorted (random choices among them are reproducible).
        var peersByName: [String: NodeAddress] = [:]
        var peerNames: [String] = []
        /// The newest entry of each key that waits to be durable: a later write or increment builds on it, and a
        /// peer's entry is taken only if it is newer still.
        var undurable: [String: LWWMap.Entry] = [:]
        var batches: [UInt64: Batch] = [:]
        var nextBatch: UInt64 = 0
        var nextWrite: UInt64 = 0
        var sessions: [UInt64: Session] = [:]
        var nextSession: UInt64 = 0
        /// The sum of every counter's slots, kept as slots change.
        var counterTotals: [String: Int64] = [:]
        /// Bytes a compacted log would take: the live entries' records.
        public internal(set) var liveRecordBytes = 0
        var aggregates: [String: Dissemination.EpochAggregate] = [:]
        var alerts: [(rule: AlertRule, firing: Bool)] = []
        /// Wall-clock milliseconds at the instant zero: the clock the shell reads, anchored to the instants it
        /// passes in (``anchorWallClock(milliseconds:at:)``).
        var wallClockAtZero: Int64 = 0
        var effects: [Effect] = []
        /// The rounds that run only while they have work and are armed now.
        var armedRounds: Set<Timer> = []

        /// An empty store for the node `name`, or one holding `replica` (replayed from the node's log).
        public init(name: String, configuration: Configuration = Configuration(), restoring replica: Replica? = nil) {
            self.configuration = configuration
            self.name = name
            self.replica = replica ?? Replica(treeDepth: configuration.treeDepth)
            clock = HybridLogicalClock(node: Self.replicaIdentifier(of: name))
            for (key, entry) in self.replica.map.entries {
                clock.observe(entry.timestamp, wallMilliseconds: 0)
                account(key, old: nil, new: entry)
            }
        }

        /// The identifier this store stamps its writes with: FNV-1a of its node's name.
        public static func replicaIdentifier(of name: String) -> UInt32 {
            name.utf8.reduce(UInt32(2_166_136_261)) { ($0 ^ UInt32($1)) &* 16_777_619 }
        }

        // MARK: - The clock

        /// Ties the wall clock to the instants the shell passes: `milliseconds` since 1970 is the wall time at
        /// `instant`. The simulator leaves it at zero (wall time is virtual time); the real node anchors it at
        /// start and whenever it likes after.
        public mutating func anchorWallClock(milliseconds: UInt64, at instant: Instant) {
            wallClockAtZero = Int64(clamping: milliseconds) &- instant.nanoseconds / 1_000_000
        }

        /// The wall clock at `instant`, in milliseconds since 1970.
        public func wallMilliseconds(at instant: Instant) -> UInt64 {
            UInt64(clamping: max(0, wallClockAtZero &+ instant.nanoseconds / 1_000_000))
        }

        // MARK: - Peers

        /// The replicating peers, sorted by name.
        public var peers: [Peer] { peerNames.map { Peer(name: $0, address: peersByName[$0]!) } }

        /// Records that `peer` replicates (`true`: a live member with the capability) or no longer does.
        public mutating func observe(_ peer: Peer, replicating: Bool) {
            if replicating {
                if peersByName.updateValue(peer.address, forKey: peer.name) == nil {
                    peerNames.insert(peer.name, at: peerNames.partitioningIndex { $0 >= peer.name })
                }
            } else if peersByName.removeValue(forKey: peer.name) != nil {
                peerNames.remove(at: peerNames.partitioningIndex { $0 >= peer.name })
            }
        }

        /// Up to `count` distinct replicating peers, chosen at random.
        func randomPeers(_ count: Int, using rng: inout some RandomNumberGenerator) -> [Peer] {
            let total = peerNames.count
            let wanted = min(count, total)
            guard wanted > 0 else { return [] }
            var chosen: [Int] = []
            chosen.reserveCapacity(wanted)
            if wanted * 2 > total {
                chosen = Array(0..<total)
                for index in 0..<wanted { chosen.swapAt(index, Int.random(in: index..<total, using: &rng)) }
                chosen.removeLast(total - wanted)
            } else {
                // A few out of many: draw until distinct, without copying the names.
                while chosen.count < wanted {
                    let index = Int.random(in: 0..<total, using: &rng)
                    if !chosen.contains(index) { chosen.append(index) }
                }
            }
            return chosen.map { Peer(name: peerNames[$0], address: peersByName[peerNames[$0]]!) }
        }

        // MARK: - Lifecycle

        /// Arms the anti-entropy and maintenance rounds, after up to half an interval of random delay, so that
        /// nodes started together do not exchange in step. The rumor and aggregation rounds are armed only while
        /// they have work: a rumor to spread, an aggregate to relay (an idle store wakes only for anti-entropy and
        /// maintenance).
        public mutating func start(at now: Instant, using rng: inout some RandomNumberGenerator) -> [Effect] {
            func jitter(_ interval: Duration, _ rng: inout some RandomNumberGenerator) -> Duration {
                interval * Double.random(in: 0..<0.5, using: &rng)
            }
            effects.append(
                .arm(
                    .antiEntropy,
                    at: now + configuration.antiEntropyInterval + jitter(configuration.antiEntropyInterval, &rng)))
            effects.append(
                .arm(
                    .maintenance,
                    at: now + configuration.maintenanceInterval + jitter(configuration.maintenanceInterval, &rng)))
            return takeEffects(at: now)
        }

        /// Handles a round this store armed.
        public mutating func fire(_ timer: Timer, at now: Instant, using rng: inout some RandomNumberGenerator)
            -> [Effect]
        {
            armedRounds.remove(timer)
            switch timer {
            case .rumorRound:
                gossipRumors(at: now, using: &rng)
            case .antiEntropy:
                sendDigest(using: &rng)
                effects.append(.arm(.antiEntropy, at: now + configuration.antiEntropyInterval))
            case .maintenance:
                dropExpiredTombstones(at: now)
                effects.append(.arm(.maintenance, at: now + configuration.maintenanceInterval))
            case .aggregationRound:
                aggregationRound(at: now, using: &rng)
            }
            return takeEffects(at: now)
        }

        /// Handles a replication or aggregation payload (``ReplicationPayload``) that arrived in a datagram.
        public mutating func receive(
            _ payload: [UInt8], from sender: NodeAddress, at now: Instant, using rng: inout some RandomNumberGenerator
        ) -> [Effect] {
            switch payload.first {
            case ReplicationPayload.digest:
                receiveDigest(payload, from: sender, at: now, using: &rng)
            case ReplicationPayload.aggregate:
                receiveShare(payload, at: now)
            case ReplicationPayload.rumor:
                guard case .rumor(let entries)? = try? SyncMessage(decoding: payload.dropFirst()) else {
                    statistics.malformedMessages += 1
                    break
                }
                offer(entries, origin: .rumor, at: now)
            default:
                statistics.malformedMessages += 1
            }
            return takeEffects(at: now)
        }

        /// The effects gathered since the last call, with the rumor and aggregation rounds armed if they have
        /// work now and are not armed yet.
        mutating func takeEffects(at now: Instant) -> [Effect] {
            if rumors.count > 0, armedRounds.insert(.rumorRound).inserted {
                effects.append(.arm(.rumorRound, at: now + configuration.gossipInterval))
            }
            if !aggregates.isEmpty, armedRounds.insert(.aggregationRound).inserted {
                effects.append(.arm(.aggregationRound, at: now + configuration.aggregationInterval))
            }
            defer { effects = [] }
            return effects
        }
    }
}

extension Array {
    /// The first index whose element satisfies `predicate`, for an array partitioned by it (all that do not
    /// come first).
    func partitioningIndex(where predicate: (Element) -> Bool) -> Int {
        var low = 0
        var high = count
        while low < high {
            let middle = (low + high) / 2
            if predicate(self[middle]) { high = middle } else { low = middle + 1 }
        }
        return low
    }
}
