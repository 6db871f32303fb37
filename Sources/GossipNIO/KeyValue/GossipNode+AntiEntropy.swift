import Foundation
import GossipCore
import GossipStorage
import MemberlistWire
import NodeCore
import Replication
import SWIM

/// Anti-entropy on the node: an exchange this node starts with a peer (``GossipNode/synchronize(with:)``) and the
/// answers to the requests of exchanges peers start.
extension GossipNode {
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
}
