import Broadcast
import GossipCore
import MemberlistWire
import Replication
import SWIM
import Serf

/// The broadcast tree inside the node: its peers kept in step with membership, its messages carried by datagram
/// or stream, and what it delivers handed to Serf's layer (user events) or the store (rumors).
extension NodeCore {
    /// The room for one tree message in a datagram: the UDP buffer less the packet layers and a margin.
    var treeDatagramBytes: Int { configuration.settings.udpBufferSize - configuration.settings.packetOverhead - 64 }

    /// Keeps the tree's peers in step with membership: a live member carrying the tree can be reached (and is
    /// joined through while this node has no neighbour); one that failed or left is gone from the overlay. Live
    /// members without it are counted: while there are any, events also go Serf's way.
    mutating func observeTreePeer(
        _ event: SWIM.MembershipEvent, at now: Instant, using rng: inout some RandomNumberGenerator
    ) {
        let member: SWIM.Member
        switch event {
        case .joined(let changed), .updated(let changed), .recovered(let changed), .suspected(let changed, _),
            .failed(let changed), .left(let changed), .removed(let changed):
            member = changed
        case .refuted, .leaveCompleted, .nameConflict:
            return
        }
        guard member.name != name else { return }
        let live = member.status == .alive || member.status == .suspect
        if live, Self.has(TreeConfiguration.capabilityValue, member) {
            plainMembers.remove(member.name)
            let isNew = treeAddresses.updateValue(member.address, forKey: member.name) == nil
            if let waiting = treeMessagesAwaitingAddress.removeValue(forKey: member.name) {
                for bytes in waiting.messages { send(bytes, to: member.name, at: member.address) }
            }
            if isNew, broadcastTree!.overlay.activeView.isEmpty, !treeJoinSent {
                treeJoinSent = true
                route(broadcastTree!.join(through: member.name), at: now, using: &rng)
            }
        } else {
            // Gone, or no longer carrying the tree (its tags changed): it leaves the overlay.
            if live { plainMembers.insert(member.name) } else { plainMembers.remove(member.name) }
            if treeAddresses.removeValue(forKey: member.name) != nil {
                route(broadcastTree!.peerFailed(member.name, at: now, using: &rng), at: now, using: &rng)
            }
        }
    }

    /// A tree message that arrived in a datagram or on a stream.
    mutating func receiveTree(_ payload: [UInt8], at now: Instant, using rng: inout some RandomNumberGenerator) {
        guard broadcastTree != nil, let (sender, message) = try? TreeWire.decode(payload), sender != name else {
            treeStatistics.dropped += 1
            return
        }
        route(broadcastTree!.receive(message, from: sender, at: now, using: &rng), at: now, using: &rng)
    }

    /// Broadcasts `payload` (an encoded Serf user event, or a store rumor) on the tree.
    mutating func broadcastOnTree(_ payload: [UInt8], at now: Instant, using rng: inout some RandomNumberGenerator) {
        let (_, treeEffects) = broadcastTree!.broadcast(payload, at: now)
        route(treeEffects, at: now, using: &rng)
    }

    /// Carries out the tree's effects: messages to peers and timers (``carry(_:at:)``), payloads to Serf's layer or
    /// the store, and peers found unreachable reported failed to the overlay.
    mutating func route(
        _ treeEffects: [Broadcast.BroadcastNode<String>.Effect], at now: Instant,
        using rng: inout some RandomNumberGenerator
    ) {
        for payload in carry(treeEffects, at: now) { deliverFromTree(payload, at: now, using: &rng) }
        let wait = configuration.broadcastTree?.addressWait ?? .zero
        for (peer, waiting) in treeMessagesAwaitingAddress where now - waiting.since > wait {
            treeMessagesAwaitingAddress[peer] = nil
            unreachableTreePeers.append(peer)
        }
        while let peer = unreachableTreePeers.popLast(), broadcastTree != nil {
            route(broadcastTree!.peerFailed(peer, at: now, using: &rng), at: now, using: &rng)
        }
    }

    /// Sends the tree's messages (to a peer whose address is not known yet, they wait in
    /// ``treeMessagesAwaitingAddress``), and arms its timers as the node's own; returns the payloads it delivered
    /// that other nodes sent.
    mutating func carry(_ treeEffects: [Broadcast.BroadcastNode<String>.Effect], at now: Instant) -> [[UInt8]] {
        var delivered: [[UInt8]] = []
        for effect in treeEffects {
            switch effect {
            case .send(let message, let peer):
                let bytes = TreeWire.encode(message, from: name)
                if case .tree(.gossip(_, _, let payload)) = message { treeStatistics.payloadBytesSent += payload.count }
                if let address = treeAddresses[peer] {
                    send(bytes, to: peer, at: address)
                } else if treeMessagesAwaitingAddress[peer, default: (now, [])].messages.count
                    < configuration.broadcastTree?.messagesAwaitingAddress ?? 0
                {
                    treeMessagesAwaitingAddress[peer, default: (now, [])].messages.append(bytes)
                } else {
                    treeStatistics.dropped += 1
                }
            case .arm(let timer, let instant):
                effects.append(.arm(.tree(timer), at: instant))
            case .deliver(let id, _, let payload):
                if id.origin != name { delivered.append(payload) }  // this node's own were delivered as sent
            }
        }
        return delivered
    }

    /// Sends one encoded tree message: by datagram when it fits, by stream otherwise.
    mutating func send(_ bytes: [UInt8], to peer: String, at address: NodeAddress) {
        treeStatistics.bytesSent += bytes.count
        if bytes.count <= treeDatagramBytes {
            treeStatistics.datagramsSent += 1
            effects.append(.send([.user(bytes)], to: address, destination: peer))
        } else {
            treeStatistics.streamsSent += 1
            effects.append(.sendOverStream(bytes, to: address))
        }
    }

    /// A payload the tree delivered: a store rumor to the store, a user event to Serf's layer (which delivers it
    /// once, and passes it on Serf's way only when the cluster has Serf agents and it fits Serf's limit).
    mutating func deliverFromTree(_ payload: [UInt8], at now: Instant, using rng: inout some RandomNumberGenerator) {
        if ReplicationPayload.isReplication(payload) {
            guard store != nil else { return }
            absorb(store!.receive(payload, from: membership.localMember.address, at: now, using: &rng), at: now)
            return
        }
        guard serf != nil, case .userEvent(let event)? = try? SerfMessage(decoding: payload) else {
            treeStatistics.dropped += 1
            return
        }
        let fitsSerf = event.name.utf8.count + event.payload.count <= Serf.userEventSizeLimit
        absorbTreeEvent(
            serf!.receiveUserEvent(event, at: now), originated: false, fitsSerf: fitsSerf, at: now, using: &rng)
    }

    /// Serf's effects of a user event sent or received with the tree on: its broadcast goes on the tree (when this
    /// node sent it) and Serf's way only for Serf agents that can take it; the rest as usual.
    mutating func absorbTreeEvent(
        _ serfEffects: [Serf.Effect], originated: Bool, fitsSerf: Bool, at now: Instant,
        using rng: inout some RandomNumberGenerator
    ) {
        for effect in serfEffects {
            guard case .broadcast(let payload, _) = effect else {
                absorb([effect], at: now, using: &rng)
                continue
            }
            if originated { broadcastOnTree(payload, at: now, using: &rng) }
            if fitsSerf, !plainMembers.isEmpty { absorb([effect], at: now, using: &rng) }
        }
    }
}
