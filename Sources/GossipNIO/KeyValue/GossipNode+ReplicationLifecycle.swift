import Foundation
import GossipStorage
import NodeCore
import Replication

/// Opening the replica's log in the data directory.
extension GossipNode {
    /// Opens the replica's log in the data directory (creating the directory), refusing a damaged file, and
    /// returns the data it holds for the core's store (`nil` without replication or a data directory).
    func openReplica() throws -> Replication.Replica? {
        guard let replication = configuration.replication, let directory = replication.dataDirectory else {
            return nil
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
        let file = try ReplicaFile(path: path, treeDepth: replication.treeDepth)
        replicaFile = file
        let replica = file.takeReplica()
        logger.info(
            "replica opened",
            metadata: [
                "gossip.path": "\(path)", "gossip.keys": "\(replica.map.entries.count)",
                "gossip.torn": "\(file.tornRecordsDropped)",
            ])
        return replica
    }
}
