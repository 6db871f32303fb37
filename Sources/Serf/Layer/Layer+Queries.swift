import Foundation
import GossipCore
import MemberlistWire
import SWIM

/// Serf's queries as a member receives them: each new query is passed on by gossip (unless it asks not to be);
/// a member that passes its filters acks it when asked and answers straight to the asker, and through relays when
/// the asker wants them.
extension Serf.Layer {
    /// Answers an open user query (identified by its Lamport time and ID) with `payload`, cut to
    /// ``Serf/queryResponseSizeLimit``. Returns `nil` when the query is unknown, past its timeout or already
    /// answered.
    public mutating func respond(
        toQuery lamportTime: UInt64, id: UInt32, payload: [UInt8], membership: SWIM.Instance,
        using rng: inout some RandomNumberGenerator
    ) -> [Serf.Effect]? {
        let identity = Serf.QueryIdentity(lamportTime: lamportTime, id: id)
        guard let open = openQueries[identity], !open.answered else { return nil }
        openQueries[identity]?.answered = true
        respond(
            to: open.query, at: open.asker, flags: 0, payload: Array(payload.prefix(Serf.queryResponseSizeLimit)),
            membership: membership, using: &rng)
        return takeEffects()
    }

    /// A received query: taken in once; a user query goes to the application, an internal one is answered here.
    mutating func receive(
        _ query: SerfMessage.Query, payload: [UInt8], membership: SWIM.Instance, at now: Instant,
        using rng: inout some RandomNumberGenerator
    ) {
        guard query.lamportTime >= queryMinimumTime,
            let asker = accept(query, payload: payload, membership: membership, using: &rng)
        else { return }
        guard query.name.hasPrefix(Serf.internalQueryPrefix) else {
            let identity = Serf.QueryIdentity(lamportTime: query.lamportTime, id: query.id)
            openQueries[identity] = Serf.OpenQuery(query: query, asker: asker)
            let timeout = Duration.nanoseconds(max(0, query.timeoutNanoseconds))
            effects.append(.arm(.responseWindow(lamportTime: query.lamportTime, id: query.id), at: now + timeout))
            effects.append(.query(query))
            return
        }
        answerInternalQuery(query, asker: asker, membership: membership, using: &rng)
    }

    /// Takes in a query once: passes it on (unless it asks not to be), and if this node passes the filters, acks
    /// it when the asker wants an ack and returns the asker's address for the answer; `nil` when this node is not
    /// to answer (seen before, filtered out, no usable address).
    mutating func accept(
        _ query: SerfMessage.Query, payload: [UInt8], membership: SWIM.Instance,
        using rng: inout some RandomNumberGenerator
    ) -> NodeAddress? {
        let identity = Serf.QueryIdentity(lamportTime: query.lamportTime, id: query.id)
        guard answeredQueries.insert(identity).inserted else { return nil }
        if answeredQueries.count > 1024 { answeredQueries = [identity] }
        if query.flags & SerfMessage.Query.noBroadcastFlag == 0 {
            effects.append(.broadcast(payload, key: "query \(query.lamportTime) \(query.id)"))
        }
        guard passes(query.filters, membership: membership), let ip = IPAddress(bytes: query.address) else {
            return nil
        }
        let asker = NodeAddress(ip: ip, port: query.port)
        if query.flags & SerfMessage.Query.ackFlag != 0 {
            respond(
                to: query, at: asker, flags: SerfMessage.QueryResponse.ackFlag, payload: [], membership: membership,
                using: &rng)
        }
        return asker
    }

    /// Whether this node passes every filter: named in a node filter, its tag matching a tag filter (anchored, as
    /// Serf anchors it).
    func passes(_ filters: [[UInt8]], membership: SWIM.Instance) -> Bool {
        guard !filters.isEmpty else { return true }
        let tags = (try? SerfTags.decode(membership.localMember.metadata)) ?? [:]
        for bytes in filters {
            guard let filter = try? SerfMessage.Query.Filter(decoding: bytes) else { return false }
            switch filter {
            case .nodes(let names):
                guard names.contains(name) else { return false }
            case .tag(let tag, let expression):
                guard let value = tags[tag],
                    let regex = try? NSRegularExpression(pattern: "^(?:" + expression + ")$"),
                    regex.firstMatch(in: value, range: NSRange(value.startIndex..., in: value)) != nil
                else { return false }
            }
        }
        return true
    }

    /// Sends an ack or a response straight to the asker, and with a relay factor r > 0 also through r random
    /// live members (of protocol 5, which know relays), so that it arrives even when the direct path does not.
    mutating func respond(
        to query: SerfMessage.Query, at asker: NodeAddress, flags: UInt32, payload: [UInt8],
        membership: SWIM.Instance, using rng: inout some RandomNumberGenerator
    ) {
        let response = SerfMessage.QueryResponse(
            flags: flags, from: name, id: query.id, lamportTime: query.lamportTime, payload: payload)
        let encoded = SerfMessage.queryResponse(response).encode()
        effects.append(.send(encoded, to: asker, destination: nil))
        guard query.relayFactor > 0 else { return }
        let relays = membership.members.filter {
            $0.status == .alive && $0.name != name && $0.name != query.sourceNode
                && $0.protocolVersions.protocolMax >= 5
        }
        let relay = SerfMessage.relay(
            SerfMessage.Relay(
                destinationIP: asker.ip.bytes, destinationPort: asker.port, destinationName: query.sourceNode,
                message: encoded)
        ).encode()
        for member in relays.shuffled(using: &rng).prefix(Int(query.relayFactor)) {
            effects.append(.send(relay, to: member.address, destination: member.name))
        }
    }

    /// Forwards a relayed query response to its destination, verbatim.
    mutating func forward(_ relay: SerfMessage.Relay) {
        guard let ip = IPAddress(bytes: relay.destinationIP) else { return }
        effects.append(.send(relay.message, to: NodeAddress(ip: ip, port: relay.destinationPort), destination: nil))
    }
}
