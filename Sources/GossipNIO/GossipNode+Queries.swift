import Foundation
import GossipCore
import MemberlistWire
import SWIM
import Serf

/// Serf's user queries: a node that passes the query's filters acks it when asked and answers with what its
/// responder returns, straight to the asker; every new query is passed on by gossip.
extension GossipNode {
    /// Serf's limit on a query response's payload (`QueryResponseSizeLimit`).
    public static let queryResponseSizeLimit = 1024

    /// Sets what answers user queries: given the query, the responder returns the payload to send back, or `nil`
    /// for no response (an ack is still sent when the asker wants one). Without a responder queries are only
    /// acked.
    public func setQueryResponder(_ responder: (@Sendable (SerfMessage.Query) async -> [UInt8]?)?) {
        queryResponder = responder
    }

    /// Takes in a query once: passes it on (unless it asks not to be), and if this node passes the filters, acks
    /// it when the asker wants an ack and returns the asker's address for the answer; `nil` when this node is not
    /// to answer (seen before, filtered out, no usable address).
    func acceptQuery(_ query: SerfMessage.Query, payload: [UInt8]) -> NodeAddress? {
        guard answeredQueries.insert(QueryIdentity(lamportTime: query.lamportTime, id: query.id)).inserted else {
            return nil
        }
        if answeredQueries.count > 1024 { answeredQueries.removeAll() }
        if query.flags & SerfMessage.Query.noBroadcastFlag == 0 {
            instance?.broadcast(payload, key: "query \(query.lamportTime) \(query.id)")
        }
        guard passes(query.filters), let ip = IPAddress(bytes: query.address) else { return nil }
        let asker = NodeAddress(ip: ip, port: query.port)
        if query.flags & SerfMessage.Query.ackFlag != 0 {
            respond(to: query, at: asker, flags: SerfMessage.QueryResponse.ackFlag, payload: [])
        }
        return asker
    }

    /// Hands a user query to the responder and to every query subscriber (an ack was already sent when asked
    /// for); the first answer, from either, is the one sent back, before the query's timeout.
    func handleUserQuery(_ query: SerfMessage.Query, payload: [UInt8]) {
        guard let asker = acceptQuery(query, payload: payload) else { return }
        let identity = QueryIdentity(lamportTime: query.lamportTime, id: query.id)
        openQueries[identity] = OpenQuery(query: query, asker: asker)
        let timeout = Duration.nanoseconds(max(0, query.timeoutNanoseconds))
        Task {
            try? await Task.sleep(for: timeout)
            self.openQueries[identity] = nil
        }
        for subscriber in querySubscribers.values { subscriber.yield(query) }
        guard let responder = queryResponder else { return }
        Task {
            guard let answer = await responder(query) else { return }
            _ = self.respond(toQuery: query.lamportTime, id: query.id, payload: answer)
        }
    }

    /// User queries this node receives (and passes the filters of), for as many listeners as want them; answer
    /// one with ``respond(toQuery:id:payload:)``. Ends when the node stops.
    public func subscribeQueries() -> AsyncStream<SerfMessage.Query> {
        makeSubscription { querySubscribers[$0] = $1 }
    }

    /// Answers an open query (identified by its Lamport time and ID) with `payload`, cut to
    /// ``queryResponseSizeLimit``. Returns `false` when the query is unknown, timed out or already answered.
    @discardableResult
    public func respond(toQuery lamportTime: UInt64, id: UInt32, payload: [UInt8]) -> Bool {
        let identity = QueryIdentity(lamportTime: lamportTime, id: id)
        guard let open = openQueries[identity], !open.answered else { return false }
        openQueries[identity]?.answered = true
        respond(to: open.query, at: open.asker, flags: 0, payload: Array(payload.prefix(Self.queryResponseSizeLimit)))
        return true
    }

    /// Whether this node passes every filter: named in a node filter, its tag matching a tag filter.
    func passes(_ filters: [[UInt8]]) -> Bool {
        let tags = self.tags
        for bytes in filters {
            guard let filter = try? SerfMessage.Query.Filter(decoding: bytes) else { return false }
            switch filter {
            case .nodes(let names):
                guard names.contains(configuration.name) else { return false }
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
    func respond(to query: SerfMessage.Query, at asker: NodeAddress, flags: UInt32, payload: [UInt8]) {
        let response = SerfMessage.QueryResponse(
            flags: flags, from: configuration.name, id: query.id, lamportTime: query.lamportTime, payload: payload)
        let encoded = SerfMessage.queryResponse(response).encode()
        send([.user(encoded)], to: asker, destination: nil)
        guard query.relayFactor > 0 else { return }
        let relays = members.filter {
            $0.status == .alive && $0.name != configuration.name && $0.name != query.sourceNode
                && $0.protocolVersions.protocolMax >= 5
        }
        for relay in relays.shuffled(using: &rng).prefix(Int(query.relayFactor)) {
            let message = SerfMessage.relay(
                SerfMessage.Relay(
                    destinationIP: asker.ip.bytes, destinationPort: asker.port, destinationName: query.sourceNode,
                    message: encoded))
            send([.user(message.encode())], to: relay.address, destination: relay.name)
        }
    }

    /// Forwards a relayed query response to its destination, verbatim.
    func forward(_ relay: SerfMessage.Relay) {
        guard let ip = IPAddress(bytes: relay.destinationIP) else { return }
        send([.user(relay.message)], to: NodeAddress(ip: ip, port: relay.destinationPort), destination: nil)
    }
}

/// A query received and not yet answered or timed out.
struct OpenQuery: Sendable {
    var query: SerfMessage.Query
    var asker: NodeAddress
    var answered = false
}
