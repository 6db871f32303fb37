import GossipCore

extension Broadcast.Plumtree {
    /// Handles `message` from the neighbour `sender`.
    public mutating func receive(_ message: Message, from sender: Peer, at now: Instant) -> [Effect] {
        guard sender != me else {
            statistics.dropped += 1
            return []
        }
        switch message {
        case .gossip(let id, let round, let payload):
            guard round >= 0, payload.count <= configuration.maximumPayloadBytes else {
                statistics.dropped += 1
                break
            }
            if received[id] == nil {
                accept(id, round: round, payload: payload, from: sender, at: now)
                // The link it came on is part of the tree.
                makeEager(sender)
            } else {
                // A second copy: that link is redundant, and the sender needs no announcement of it.
                withdrawAnnouncement(of: id, to: sender)
                statistics.duplicates += 1
                makeLazy(sender)
                statistics.prunes += 1
                effects.append(.send(.prune, to: sender))
            }
        case .ihave(let announcements):
            for announcement in announcements {
                guard received[announcement.id] == nil else {
                    // The sender has it: an announcement of it still waiting for the sender would tell it nothing.
                    withdrawAnnouncement(of: announcement.id, to: sender)
                    continue
                }
                guard announcement.round >= 0 else {
                    statistics.dropped += 1
                    continue
                }
                if missing[announcement.id] == nil {
                    missing[announcement.id] = []
                    effects.append(.arm(.missing(announcement.id), at: now + configuration.missingTimeout))
                }
                missing[announcement.id]!.append((sender, announcement.round))
            }
        case .graft(let id, let round):
            makeEager(sender)
            if let kept = received[id] {
                statistics.payloadsSent += 1
                effects.append(.send(.gossip(id, round: max(round, kept.round), payload: kept.payload), to: sender))
            } else {
                statistics.dropped += 1
            }
        case .prune:
            makeLazy(sender)
        }
        return takeEffects()
    }

    /// Handles a timer it armed.
    public mutating func fire(_ timer: Timer, at now: Instant) -> [Effect] {
        switch timer {
        case .missing(let id):
            let attempts = graftsSent[id, default: 0]
            guard received[id] == nil, var announcers = missing[id], !announcers.isEmpty,
                attempts < configuration.maximumGrafts
            else {
                missing[id] = nil
                graftsSent[id] = nil
                break
            }
            // Graft from the first announcer; if that does not bring it either, the next one after a while, and
            // round again (a graft or its answer may have been lost).
            let (peer, round) = announcers.removeFirst()
            announcers.append((peer, round))
            missing[id] = announcers
            graftsSent[id] = attempts + 1
            makeEager(peer)
            statistics.grafts += 1
            effects.append(.send(.graft(id, round: round), to: peer))
            effects.append(.arm(.missing(id), at: now + configuration.graftRetryTimeout))
        case .lazyFlush:
            lazyFlushArmed = false
            for (peer, announcements) in lazyQueue where !announcements.isEmpty {
                statistics.announcementsSent += 1
                effects.append(.send(.ihave(announcements), to: peer))
            }
            lazyQueue.removeAll(keepingCapacity: true)
        }
        return takeEffects()
    }

    /// Delivers a new payload, remembers it, and passes it on: to every eager neighbour but the one it came
    /// from, and as an announcement to every lazy one.
    mutating func accept(_ id: MessageID, round: Int, payload: [UInt8], from sender: Peer?, at now: Instant) {
        remember(id, round: round, payload: payload)
        missing[id] = nil
        graftsSent[id] = nil
        statistics.delivered += 1
        effects.append(.deliver(id, round: round, payload: payload))
        for peer in eagerPeers where peer != sender {
            statistics.payloadsSent += 1
            effects.append(.send(.gossip(id, round: round + 1, payload: payload), to: peer))
        }
        var queued = false
        for peer in lazyPeers where peer != sender {
            let announcement = Announcement(id: id, round: round + 1)
            if let index = lazyQueue.firstIndex(where: { $0.peer == peer }) {
                lazyQueue[index].announcements.append(announcement)
            } else {
                lazyQueue.append((peer, [announcement]))
            }
            queued = true
        }
        if queued, !lazyFlushArmed {
            lazyFlushArmed = true
            effects.append(.arm(.lazyFlush, at: now + configuration.lazyInterval))
        }
    }

    /// Takes `id` out of the announcements waiting for `peer`, which has it.
    mutating func withdrawAnnouncement(of id: MessageID, to peer: Peer) {
        guard let index = lazyQueue.firstIndex(where: { $0.peer == peer }),
            let position = lazyQueue[index].announcements.firstIndex(where: { $0.id == id })
        else { return }
        lazyQueue[index].announcements.remove(at: position)
        statistics.announcementsWithdrawn += 1
    }

    /// Keeps `payload`, forgetting the oldest beyond ``Configuration/retainedPayloads``.
    mutating func remember(_ id: MessageID, round: Int, payload: [UInt8]) {
        received[id] = (round, payload)
        receivedOrder.append(id)
        while receivedOrder.count - receivedOrderStart > configuration.retainedPayloads {
            received[receivedOrder[receivedOrderStart]] = nil
            receivedOrderStart += 1
        }
        if receivedOrderStart > 4_096, receivedOrderStart * 2 > receivedOrder.count {
            receivedOrder.removeFirst(receivedOrderStart)
            receivedOrderStart = 0
        }
    }
}
