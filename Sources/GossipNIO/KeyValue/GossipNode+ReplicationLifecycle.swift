import Foundation
import GossipCore
import GossipStorage
import MemberlistWire
import Replication
import SWIM

/// Replication's lifecycle on the node: the advertised capability, the replica opened from the data directory, and
/// the rumor, anti-entropy and aggregation loops.
extension GossipNode {
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
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory), !isDirectory.boolValue {
            throw KeyValueError("the data directory \(directory) exists and is not a directory")
        }
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        } catch {
            throw KeyValueError("cannot create the data directory \(directory): \(error.localizedDescription)")
        }
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

    /// The rumor, anti-entropy, aggregation and maintenance rounds, for ``run()``'s task group.
    func replicationLoops() -> [@Sendable () async -> Void] {
        guard let replication = configuration.replication else { return [] }
        return [
            repeating(every: replication.gossipInterval) { node in await node.gossipRumors() },
            repeating(every: replication.aggregationInterval) { node in await node.aggregationRound() },
            repeating(every: replication.antiEntropyInterval, jittered: true) { node in await node.antiEntropyRound() },
            repeating(every: replication.maintenanceInterval, jittered: true) { node in await node.maintainReplica() },
        ]
    }

    /// A loop that runs `body` every `interval` (with up to half an interval of random delay first when
    /// `jittered`, so that nodes started together do not exchange in step) until the node stops.
    func repeating(
        every interval: Duration, jittered: Bool = false, _ body: @escaping @Sendable (GossipNode) async -> Void
    ) -> @Sendable () async -> Void {
        let delay = jittered ? interval * Double.random(in: 0..<0.5, using: &rng) : .zero
        return {
            try? await Task.sleep(for: delay)
            while !Task.isCancelled, await self.isRunning {
                try? await Task.sleep(for: interval)
                guard !Task.isCancelled, await self.isRunning else { return }
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

    /// Drops expired tombstones and compacts the log when superseded records are most of it; runs every
    /// ``ReplicationConfiguration/maintenanceInterval``, and may be called at any time.
    public func maintainReplica() {
        guard configuration.replication != nil else { return }
        let dropped = replica.collectTombstones(olderThan: tombstoneHorizon)
        guard replica.wantsCompaction else {
            if dropped > 0 { logger.debug("tombstones dropped", metadata: ["gossip.count": "\(dropped)"]) }
            return
        }
        let before = replica.fileBytes
        do {
            try replica.compact()
            logger.info(
                "replica log compacted",
                metadata: [
                    "gossip.before": "\(before)", "gossip.after": "\(replica.fileBytes)",
                    "gossip.tombstones": "\(dropped)",
                ])
        } catch {
            logger.error("replica log compaction failed", metadata: ["gossip.error": "\(error)"])
        }
    }

    /// Tombstones no newer than this are expired.
    var tombstoneHorizon: Replication.Timestamp {
        let horizon = (configuration.replication ?? ReplicationConfiguration()).tombstoneHorizon
        let milliseconds = UInt64(clamping: horizon.nanoseconds / 1_000_000)
        let wall = wallMilliseconds
        return Replication.Timestamp(milliseconds: wall > milliseconds ? wall - milliseconds : 0)
    }
}
