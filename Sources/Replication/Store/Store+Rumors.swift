import Foundation
import GossipCore

extension Replication.Store {
    /// Starts a rumor for `item` when it fits in a datagram; a larger one is pushed to a few peers over a stream
    /// at once (anti-entropy carries it the rest of the way). With ``Configuration/rumorsOverBroadcast`` the node's
    /// broadcast tree carries it to every replica instead.
    mutating func spread(_ item: Replication.KeyedEntry, using rng: inout some RandomNumberGenerator) {
        if configuration.rumorsOverBroadcast {
            effects.append(
                .broadcast(
                    ReplicationPayload.wrap(ReplicationPayload.rumor, Replication.SyncMessage.rumor([item]).encode())))
            return
        }
        if Replication.SyncMessage.encodedSize(of: item) + Replication.SyncMessage.listHeaderBytes + 1
            <= configuration.datagramBytes
        {
            rumors.add(item)
            return
        }
        let request = ReplicationPayload.wrap(ReplicationPayload.sync, Replication.SyncMessage.push([item]).encode())
        for peer in randomPeers(configuration.fanout, using: &rng) { effects.append(.push(request, to: peer)) }
    }

    /// One rumor round: the least-sent pending updates to ``Configuration/fanout`` random peers, in up to
    /// ``Configuration/rumorPacketsPerRound`` datagrams each; a backlog too large for rounds to carry soon (a
    /// bulk load) starts an anti-entropy exchange at once.
    mutating func gossipRumors(at now: Instant, using rng: inout some RandomNumberGenerator) {
        guard rumors.count > 0 else { return }
        let peers = randomPeers(configuration.fanout, using: &rng)
        let limit = configuration.retransmitMultiplier * Int(log10(Double(peerNames.count + 2)).rounded(.up))
        let batches = rumors.nextBatches(
            count: configuration.rumorPacketsPerRound,
            maximumBytes: configuration.datagramBytes - Replication.SyncMessage.listHeaderBytes - 1,
            recipients: peers.count, limit: max(1, limit))
        for batch in batches {
            let payload = ReplicationPayload.wrap(
                ReplicationPayload.rumor, Replication.SyncMessage.rumor(batch).encode())
            for peer in peers {
                effects.append(.send(payload, to: peer))
                statistics.rumorsSent += 1
            }
        }
        if rumors.count > configuration.rumorBacklogForAntiEntropy, sessions.isEmpty {
            startExchange(at: now, using: &rng)
        }
    }
}
