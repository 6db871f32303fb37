import Foundation
import GossipCore
import NIOPosix
import SWIM
import Serf

/// Serf's snapshot on the node: the core says what to record and when to flush; on start the clocks are restored
/// (by the core, from the file's state) and the previous members rejoined.
extension GossipNode {
    /// Opens the snapshot file and returns the members to rejoin (none after a graceful leave, unless
    /// ``NodeConfiguration/rejoinAfterLeave``).
    func openSnapshot() throws -> [NodeAddress] {
        guard let path = configuration.snapshotPath else { return [] }
        let file = try SnapshotFile(path: path)
        snapshot = file
        let state = file.state
        if state.unreadableLines > 0 {
            logger.warning(
                "snapshot has unreadable lines",
                metadata: ["gossip.path": "\(path)", "gossip.lines": "\(state.unreadableLines)"])
        }
        guard !state.leftGracefully || configuration.rejoinAfterLeave else {
            logger.info("snapshot ends with a leave: not rejoining", metadata: ["gossip.path": "\(path)"])
            return []
        }
        return state.aliveMembers.filter { $0.key != configuration.name }.values.compactMap { NodeAddress($0) }
    }

    /// Rejoins the members recorded in the snapshot: the first that answers is enough, as Serf's rejoin.
    func rejoinFromSnapshot() {
        let previous = rejoinAddresses
        rejoinAddresses = []
        guard !previous.isEmpty else { return }
        spawn {
            for address in previous.shuffled() where await self.join([address]) > 0 {
                self.logger.info("rejoined from the snapshot", metadata: ["gossip.via": "\(address)"])
                return
            }
            self.logger.warning("could not rejoin any previous member from the snapshot")
        }
    }

    /// Writes everything recorded to disk, on the blocking-I/O pool (never on the actor that answers pings); at
    /// once when the node is stopping.
    func flushSnapshot() {
        // Most flushes find nothing new: no hop to the I/O pool then.
        guard let snapshot, snapshot.hasPending else { return }
        let members = members.count
        let logger = self.logger
        guard isRunning else {
            do { try snapshot.flush(members: members) } catch {
                logger.error("snapshot write failed", metadata: ["gossip.error": "\(error)"])
            }
            return
        }
        spawn {
            do {
                try await NIOThreadPool.singleton.runIfActive { try snapshot.flush(members: members) }
            } catch {
                logger.error("snapshot write failed", metadata: ["gossip.error": "\(error)"])
            }
        }
    }
}
