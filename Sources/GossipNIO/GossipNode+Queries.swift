import Foundation
import GossipCore
import MemberlistWire
import SWIM

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

    /// Handles a user query once: passes it on, and if this node passes the filters, acks and answers it.
    func handleUserQuery(_ query: SerfMessage.Query, payload: [UInt8]) {
        guard answeredQueries.insert(QueryIdentity(lamportTime: query.lamportTime, id: query.id)).inserted else {
            return
        }
        if answeredQueries.count > 1024 { answeredQueries.removeAll() }
        if query.flags & SerfMessage.Query.noBroadcastFlag == 0 {
            instance?.broadcast(payload, key: "query \(query.lamportTime) \(query.id)")
        }
        guard passes(query.filters), let ip = IPAddress(bytes: query.address) else { return }
        let asker = NodeAddress(ip: ip, port: query.port)
        if query.flags & SerfMessage.Query.ackFlag != 0 {
            respond(to: query, at: asker, flags: SerfMessage.QueryResponse.ackFlag, payload: [])
        }
        guard let responder = queryResponder else { return }
        Task {
            guard let answer = await responder(query) else { return }
            self.respond(to: query, at: asker, flags: 0, payload: Array(answer.prefix(Self.queryResponseSizeLimit)))
        }
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

    func respond(to query: SerfMessage.Query, at asker: NodeAddress, flags: UInt32, payload: [UInt8]) {
        let response = SerfMessage.QueryResponse(
            flags: flags, from: configuration.name, id: query.id, lamportTime: query.lamportTime, payload: payload)
        send([.user(SerfMessage.queryResponse(response).encode())], to: asker, destination: nil)
    }
}
