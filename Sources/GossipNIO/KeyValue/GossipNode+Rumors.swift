import Foundation
import GossipCore
import GossipStorage
import MemberlistWire
import NodeCore
import Replication
import SWIM
import Serf

/// Rumor mongering of writes on the gossip path: replication datagrams in, rumor rounds out, and the peers that
/// replicate.
extension GossipNode {
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
        let budget = configuration.settings.udpBufferSize - packetOverhead - 64
        let batches = rumors.nextBatches(
            count: replication.rumorPacketsPerRound,
            maximumBytes: budget - Replication.SyncMessage.listHeaderBytes - 1, recipients: peers.count,
            limit: max(1, limit))
        for batch in batches {
            let payload = ReplicationPayload.wrap(
                ReplicationPayload.rumor, Replication.SyncMessage.rumor(batch).encode())
            for peer in peers {
                send([.user(payload)], to: peer.address, destination: peer.name)
                replicationCounters.rumorsSent += 1
            }
        }
        // A backlog that rounds cannot carry soon (a bulk load) goes by anti-entropy at once.
        if rumors.count > replication.rumorBacklogForAntiEntropy, !antiEntropyInFlight {
            spawn { await self.antiEntropyRound() }
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
}
