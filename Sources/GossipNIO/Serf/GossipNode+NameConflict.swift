import GossipCore
import MemberlistWire
import SWIM
import Serf

/// Serf's name-conflict resolution: when another node claims this node's name, this node asks the cluster
/// (`_serf_conflict`) whose address each member holds for the name; if fewer than a majority of the answers hold
/// this node's address, this node is the impostor and shuts down.
extension GossipNode {
    /// Runs one vote unless one is running; shuts the node down when it loses.
    func resolveNameConflict(claimant: NodeAddress) async {
        guard isRunning, !resolvingNameConflict, let local = localMember else { return }
        resolvingNameConflict = true
        defer { resolvingNameConflict = false }
        logger.warning(
            "another node claims this node's name; asking the cluster", metadata: ["gossip.claimant": "\(claimant)"])
        var responses = 0
        var matching = 0
        for await answer in query(
            Self.keyQueryPrefix + "conflict", payload: Array(configuration.name.utf8), requestAck: false)
        {
            guard case .response(_, let payload) = answer,
                case .conflictResponse(let member)? = try? SerfMessage(decoding: payload)
            else { continue }
            responses += 1
            if member.address == local.address.ip.bytes && member.port == local.address.port { matching += 1 }
        }
        let majority = responses / 2 + 1
        if matching >= majority {
            logger.info(
                "name conflict: the majority holds this node", metadata: ["gossip.votes": "\(matching)/\(responses)"])
            return
        }
        logger.error(
            "name conflict: the minority holds this node; shutting down",
            metadata: ["gossip.votes": "\(matching)/\(responses)"])
        await shutdown()
    }
}
