import Foundation
import GossipCore
import SWIM
import Serf

/// Serf's snapshot on the node: members and clocks recorded as they change; on start the clocks are restored and
/// the previous members rejoined.
extension GossipNode {
    /// Opens the snapshot file, restores the clocks from it, and returns the members to rejoin (none after a
    /// graceful leave, unless ``NodeConfiguration/rejoinAfterLeave``).
    func openSnapshot() throws -> [NodeAddress] {
        guard let path = configuration.snapshotPath else { return [] }
        let file = try SnapshotFile(path: path)
        snapshot = file
        let state = file.state
        serf.restore(from: state)
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

    /// Starts flushing the snapshot every 500 ms, and rejoins `previous` members (the first that answers is
    /// enough, as Serf's rejoin).
    func startSnapshots(rejoining previous: [NodeAddress]) {
        guard snapshot != nil else { return }
        snapshotTask = repeating(every: .milliseconds(500)) { node in await node.flushSnapshot() }
        guard !previous.isEmpty else { return }
        Task {
            for address in previous.shuffled() where await self.join([address]) > 0 {
                self.logger.info("rejoined from the snapshot", metadata: ["gossip.via": "\(address)"])
                return
            }
            self.logger.warning("could not rejoin any previous member from the snapshot")
        }
    }

    /// Records a membership change.
    func recordInSnapshot(_ event: SWIM.MembershipEvent) {
        guard let snapshot else { return }
        switch event {
        case .joined(let member), .recovered(let member):
            snapshot.append(Serf.Snapshot.aliveLine(member.name, member.address.description))
        case .failed(let member), .left(let member), .removed(let member):
            snapshot.append(Serf.Snapshot.notAliveLine(member.name))
        default:
            break
        }
    }

    /// Writes the clocks if they moved, and everything recorded, to disk.
    func flushSnapshot() {
        guard let snapshot else { return }
        let clocks = serf.clocks
        let state = snapshot.state
        if !state.leftGracefully,
            clocks != (state.clock, state.eventClock, state.queryClock)
        {
            for line in Serf.Snapshot.clockLines(
                clock: clocks.member, eventClock: clocks.event, queryClock: clocks.query)
            {
                snapshot.append(line)
            }
        }
        do {
            try snapshot.flush(members: members.count)
        } catch {
            logger.error("snapshot write failed", metadata: ["gossip.error": "\(error)"])
        }
    }
}
