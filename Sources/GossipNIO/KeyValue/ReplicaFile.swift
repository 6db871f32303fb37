import GossipStorage
import Replication
import Synchronization

/// The replica's log on disk, shared between the node's actor (which hands it batches) and the blocking-I/O pool
/// (which writes and syncs them): no fsync ever runs on the actor that answers pings.
final class ReplicaFile: Sendable {
    /// What the persist loop does, in the order it was asked.
    enum Job: Sendable {
        /// Append a batch of the store's and sync it.
        case write([Replication.KeyedEntry], batch: UInt64)
        /// Rewrite the log with these entries (the store's ``Replication/Store/durableImage``).
        case compact([Replication.KeyedEntry])
    }

    let path: String
    private let log: Mutex<ReplicaLog>

    /// Opens (or creates) the log at `path` and replays it; ``takeReplica()`` hands over what it held.
    init(path: String, treeDepth: Int) throws(StorageError) {
        self.path = path
        log = Mutex(try ReplicaLog(path: path, treeDepth: treeDepth))
    }

    /// The replica replayed at open, once.
    func takeReplica() -> Replication.Replica { log.withLock { $0.takeReplica() } }

    /// Records dropped at open because the last one was cut short.
    var tornRecordsDropped: Int { log.withLock { $0.tornRecordsDropped } }

    /// Records in the file (superseded ones included) and its bytes.
    var size: (records: Int, bytes: Int) { log.withLock { ($0.recordCount, $0.fileBytes) } }

    /// Whether the file is worth compacting down to `liveRecordBytes`.
    func wantsCompaction(liveRecordBytes: Int) -> Bool {
        log.withLock { $0.wantsCompaction(liveRecordBytes: liveRecordBytes) }
    }

    /// Appends and syncs `entries`. Blocks on the disk.
    func write(_ entries: [Replication.KeyedEntry]) throws(StorageError) {
        try log.withLock { (log: inout ReplicaLog) throws(StorageError) in try log.write(entries) }
    }

    /// Rewrites the file with `entries`. Blocks on the disk.
    func compact(to entries: [Replication.KeyedEntry]) throws(StorageError) {
        try log.withLock { (log: inout ReplicaLog) throws(StorageError) in try log.compact(to: entries) }
    }
}
