import Foundation
import GossipCore
import MemberlistWire
import SWIM

/// Queries this node asks: gossiped to the cluster, answered straight back by every member that passes the
/// filters, collected until the deadline. The application's answers are passed on as they come; the answers to
/// a key operation or a name-conflict vote are tallied here.
extension Serf.Layer {
    /// What a query this node asked is for.
    enum Purpose: Sendable {
        /// The application's: answers go out as ``Serf/Effect/queryAnswer(id:_:)``.
        case application
        /// A key operation: answers are tallied into a result.
        case keys(Serf.KeyOperation, Serf.KeyOperationResult)
        /// A name-conflict vote: how many answered, and how many hold this node's address for its name.
        case conflict(responses: Int, matching: Int)
    }

    /// A query this node asked and is still collecting answers for.
    struct AskedQuery: Sendable {
        var lamportTime: UInt64
        var purpose: Purpose
        var seen: Set<String> = []
    }

    /// Serf's default query timeout for the cluster as the membership layer knows it now.
    public func defaultQueryTimeout(membership: SWIM.Instance) -> Duration {
        Serf.queryTimeout(
            gossipInterval: membership.settings.gossipInterval, members: membership.clusterSize,
            multiplier: configuration.queryTimeoutMultiplier)
    }

    /// Asks the cluster `request`; answers come as ``Serf/Effect/queryAnswer(id:_:)`` effects with the returned
    /// ID until ``Serf/Effect/queryFinished(id:)``. Like Serf, the asker handles its own query too (and so
    /// answers it if it passes the filters).
    ///
    /// - Throws: ``Serf/CommandError`` when the query's encoding is over ``Serf/querySizeLimit``.
    public mutating func ask(
        _ request: Serf.QueryRequest, membership: SWIM.Instance, at now: Instant,
        using rng: inout some RandomNumberGenerator
    ) throws(Serf.CommandError) -> (id: UInt32, effects: [Serf.Effect]) {
        if let error = Serf.querySizeError(name: request.name, payload: request.payload, filters: request.filters) {
            throw Serf.CommandError(error)
        }
        let id = ask(request, purpose: .application, membership: membership, at: now, using: &rng)
        return (id, takeEffects())
    }

    /// Asks every member to carry out `operation` with `key` (ignored for a listing); the tally comes as
    /// ``Serf/Effect/keyOperationFinished(id:_:)`` when the query times out (at once when this node's traffic is
    /// not encrypted).
    public mutating func manageKeys(
        _ operation: Serf.KeyOperation, key: [UInt8] = [], membership: SWIM.Instance, at now: Instant,
        using rng: inout some RandomNumberGenerator
    ) -> (id: UInt32, effects: [Serf.Effect]) {
        var result = Serf.KeyOperationResult()
        guard keyring != nil else {
            result.errors = 1
            result.messages[name] = "encryption is not enabled on this node"
            let id = UInt32.random(in: 0...UInt32.max, using: &rng)
            return (id, [.keyOperationFinished(id: id, result)])
        }
        result.nodes = membership.members.filter { $0.status == .alive || $0.status == .suspect }.count
        let request = SerfMessage.keyRequest(SerfMessage.KeyRequest(key: operation == .list ? [] : key)).encode()
        let id = ask(
            Serf.QueryRequest(
                name: Serf.internalQueryPrefix + operation.rawValue, payload: request, requestAck: false),
            purpose: .keys(operation, result), membership: membership, at: now, using: &rng)
        return (id, takeEffects())
    }

    /// Another node claims this node's name: asks the cluster (`_serf_conflict`) whose address each member holds
    /// for it, unless a vote is running; losing the vote is ``Serf/Effect/nameConflictLost``.
    mutating func startConflictVote(
        claimant: NodeAddress, membership: SWIM.Instance, at now: Instant, using rng: inout some RandomNumberGenerator
    ) {
        guard conflictVote == nil, !isLeaving else { return }
        conflictVote = ask(
            Serf.QueryRequest(
                name: Serf.internalQueryPrefix + "conflict", payload: Array(name.utf8), requestAck: false),
            purpose: .conflict(responses: 0, matching: 0), membership: membership, at: now, using: &rng)
    }

    mutating func ask(
        _ request: Serf.QueryRequest, purpose: Purpose, membership: SWIM.Instance, at now: Instant,
        using rng: inout some RandomNumberGenerator
    ) -> UInt32 {
        let local = membership.localMember
        let timeout = request.timeout ?? defaultQueryTimeout(membership: membership)
        let query = SerfMessage.Query(
            address: local.address.ip.bytes, filters: request.filters.map { $0.encode() },
            flags: request.requestAck ? SerfMessage.Query.ackFlag : 0,
            id: UInt32.random(in: 0...UInt32.max, using: &rng),
            lamportTime: queryClock.stamp(), name: request.name, payload: request.payload, port: local.address.port,
            relayFactor: request.relayFactor, sourceNode: name, timeoutNanoseconds: timeout.nanoseconds)
        askedQueries[query.id] = AskedQuery(lamportTime: query.lamportTime, purpose: purpose)
        effects.append(.arm(.queryDeadline(id: query.id), at: now + timeout))
        handle(.query(query), payload: SerfMessage.query(query).encode(), membership: membership, at: now, using: &rng)
        return query.id
    }

    /// An ack or a response to a query of ours; anything else (late, unknown, repeated) is ignored.
    mutating func collect(_ response: SerfMessage.QueryResponse, membership: SWIM.Instance) {
        guard var asked = askedQueries[response.id], asked.lamportTime == response.lamportTime else { return }
        let isAck = response.flags & SerfMessage.QueryResponse.ackFlag != 0
        guard asked.seen.insert("\(isAck ? "ack" : "response") \(response.from)").inserted else { return }
        switch asked.purpose {
        case .application:
            effects.append(
                .queryAnswer(
                    id: response.id,
                    isAck ? .ack(from: response.from) : .response(from: response.from, payload: response.payload)))
        case .keys(let operation, var result):
            guard !isAck else { break }
            Self.tally(response, of: operation, into: &result)
            asked.purpose = .keys(operation, result)
        case .conflict(var responses, var matching):
            guard !isAck, case .conflictResponse(let member)? = try? SerfMessage(decoding: response.payload) else {
                break
            }
            responses += 1
            let local = membership.localMember.address
            if member.address == local.ip.bytes && member.port == local.port { matching += 1 }
            asked.purpose = .conflict(responses: responses, matching: matching)
        }
        askedQueries[response.id] = asked
    }

    /// A query's deadline: its answers end, a key operation reports its tally, a conflict vote decides.
    mutating func finishQuery(_ id: UInt32, membership: SWIM.Instance) {
        guard let asked = askedQueries.removeValue(forKey: id) else { return }
        switch asked.purpose {
        case .application:
            effects.append(.queryFinished(id: id))
        case .keys(_, let result):
            effects.append(.keyOperationFinished(id: id, result))
        case .conflict(let responses, let matching):
            conflictVote = nil
            // The minority (fewer than a majority of the answers hold this node's address) is the impostor.
            if matching < responses / 2 + 1 { effects.append(.nameConflictLost) }
        }
    }

    static func tally(
        _ response: SerfMessage.QueryResponse, of operation: Serf.KeyOperation,
        into result: inout Serf.KeyOperationResult
    ) {
        result.responses += 1
        guard case .keyResponse(let answer)? = try? SerfMessage(decoding: response.payload) else {
            result.errors += 1
            result.messages[response.from] = "unreadable key response"
            return
        }
        if !answer.result {
            result.errors += 1
            result.messages[response.from] = answer.message
        }
        if operation == .list {
            for key in answer.keys { result.keys[key, default: 0] += 1 }
        }
    }
}
