import Foundation
import GossipCore
import MemberlistWire
import SWIM
import Serf

/// Queries this node asks: gossiped to the cluster, answered straight back by every member that passes the
/// filters, collected until the timeout.
extension GossipNode {
    /// One answer to a query this node asked.
    public enum QueryAnswer: Sendable, Hashable {
        /// `from` received the query (when acks were requested).
        case ack(from: String)
        /// `from` answered with `payload`.
        case response(from: String, payload: [UInt8])
    }

    /// Serf's default query timeout: GossipInterval × 16 × ceil(log10(n + 1)).
    public var defaultQueryTimeout: Duration {
        Serf.queryTimeout(gossipInterval: configuration.settings.gossipInterval, members: members.count)
    }

    /// Serf's limit on an encoded query (`QuerySizeLimit`).
    public static let querySizeLimit = 1024

    /// Why a query cannot be asked, or `nil` when it can: its encoding is over ``querySizeLimit``.
    public static func querySizeError(
        name: String, payload: [UInt8], filters: [SerfMessage.Query.Filter]
    ) -> String? {
        // The widest values of the fields the asker fills in: an IPv6 address, the largest ID, times and port.
        let widest = SerfMessage.Query(
            address: Array(repeating: 0xFF, count: 16), filters: filters.map { $0.encode() }, flags: .max, id: .max,
            lamportTime: .max, name: name, payload: payload, port: .max, relayFactor: .max,
            sourceNode: String(repeating: "n", count: 128), timeoutNanoseconds: .max)
        let size = SerfMessage.query(widest).encode().count
        return size > querySizeLimit ? "query exceeds limit of \(querySizeLimit) bytes (\(size))" : nil
    }

    /// Asks the cluster `name` with `payload`; the answers arrive on the returned stream, which ends at the
    /// timeout (``defaultQueryTimeout`` unless given). `filters` are Serf's (node names, tag expressions); with a
    /// `relayFactor` r > 0 each member also answers through r others. A query over ``querySizeLimit`` (see
    /// ``querySizeError(name:payload:filters:)``) is not sent: its stream ends at once.
    public func query(
        _ name: String, payload: [UInt8] = [], filters: [SerfMessage.Query.Filter] = [], requestAck: Bool = true,
        relayFactor: UInt8 = 0, timeout: Duration? = nil
    ) -> AsyncStream<QueryAnswer> {
        let (stream, continuation) = AsyncStream.makeStream(of: QueryAnswer.self)
        guard isRunning, let local = localMember else {
            continuation.finish()
            return stream
        }
        if let error = Self.querySizeError(name: name, payload: payload, filters: filters) {
            logger.warning("query not sent", metadata: ["gossip.query": "\(name)", "gossip.error": "\(error)"])
            continuation.finish()
            return stream
        }
        let timeout = timeout ?? defaultQueryTimeout
        let query = SerfMessage.Query(
            address: local.address.ip.bytes, filters: filters.map { $0.encode() },
            flags: requestAck ? SerfMessage.Query.ackFlag : 0, id: UInt32.random(in: 0...UInt32.max, using: &rng),
            lamportTime: serf.stampQuery(), name: name, payload: payload, port: local.address.port,
            relayFactor: relayFactor,
            sourceNode: configuration.name, timeoutNanoseconds: timeout.nanoseconds)
        pendingQueries[query.id] = PendingQuery(lamportTime: query.lamportTime, continuation: continuation)
        let encoded = SerfMessage.query(query).encode()
        // Like Serf, the asker handles its own query too (and so answers it if it passes the filters).
        handle(.query(query), payload: encoded)
        Task {
            try? await Task.sleep(for: timeout)
            self.finishQuery(query.id)
        }
        return stream
    }

    func finishQuery(_ id: UInt32) {
        pendingQueries.removeValue(forKey: id)?.continuation.finish()
    }

    /// An ack or a response to a query of ours; anything else (late, unknown, repeated) is ignored.
    func collect(_ response: SerfMessage.QueryResponse) {
        guard var pending = pendingQueries[response.id], pending.lamportTime == response.lamportTime else { return }
        let isAck = response.flags & SerfMessage.QueryResponse.ackFlag != 0
        guard pending.seen.insert("\(isAck ? "ack" : "response") \(response.from)").inserted else { return }
        pendingQueries[response.id] = pending
        pending.continuation.yield(
            isAck ? .ack(from: response.from) : .response(from: response.from, payload: response.payload))
    }
}

/// A query this node asked and is still collecting answers for.
struct PendingQuery: Sendable {
    var lamportTime: UInt64
    var continuation: AsyncStream<GossipNode.QueryAnswer>.Continuation
    var seen: Set<String> = []
}
