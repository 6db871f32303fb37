import GossipCore
import MemberlistWire
import NodeCore
import SWIM
import Serf

/// Serf's commands on the node: user events, queries, tags, key operations and force-leave, each carried out by
/// the core (``NodeCore/NodeCore``), and Serf's view of the member list.
extension GossipNode {
    /// One answer to a query this node asked.
    public typealias QueryAnswer = Serf.QueryAnswer
    /// A cluster-wide key operation.
    public typealias KeyOperation = Serf.KeyOperation
    /// What the members answered to a key operation.
    public typealias KeyOperationResult = Serf.KeyOperationResult

    /// Serf's limit on a user event's name and payload together (`UserEventSizeLimit`).
    public static let userEventSizeLimit = Serf.userEventSizeLimit
    /// Serf's limit on an encoded query (`QuerySizeLimit`).
    public static let querySizeLimit = Serf.querySizeLimit
    /// Serf's limit on a query response's payload (`QueryResponseSizeLimit`).
    public static let queryResponseSizeLimit = Serf.queryResponseSizeLimit

    /// Why a user event was refused.
    public struct UserEventError: Error, CustomStringConvertible {
        /// What went wrong.
        public var description: String
    }

    /// Why a query cannot be asked, or `nil` when it can: its encoding is over ``querySizeLimit``.
    public static func querySizeError(
        name: String, payload: [UInt8], filters: [SerfMessage.Query.Filter]
    ) -> String? {
        Serf.querySizeError(name: name, payload: payload, filters: filters)
    }

    // MARK: - Members

    /// Every member as Serf lists it, sorted by name: live ones as memberlist knows them, failed and left ones
    /// as last seen, until they are reaped.
    public var clusterMembers: [SWIM.Member] { core?.members ?? [] }

    /// What the broadcast tree sent and dropped; `nil` when the node runs none
    /// (``NodeConfiguration/broadcastTree``).
    public var broadcastTreeStatistics: BroadcastTreeStatistics? {
        guard core?.broadcastTree != nil else { return nil }
        return core?.treeStatistics
    }

    /// This node's neighbours on the broadcast tree's overlay (empty without a tree).
    public var broadcastTreeNeighbors: [String] { core?.broadcastTree?.overlay.activeView ?? [] }

    /// Serf's status of `name` (`alive`, `leaving`, `left`, `failed`), if it is listed.
    public func serfStatus(of name: String) -> Serf.MemberReaper.Status? { core?.serf?.status(of: name) }

    /// Members that came back within the flap timeout of failing, so far.
    public var flapCount: Int { core?.serf?.flaps ?? 0 }

    /// This node's tags now.
    public var tags: [String: String] { core?.tags ?? [:] }

    /// Sets and deletes tags, and announces the new metadata to the cluster (a new incarnation), as
    /// `serf tags -set k=v -delete k` does.
    ///
    /// - Throws: `WireError.metadataTooLarge` when the encoded tags would exceed 512 bytes; nothing changes then.
    public func updateTags(set: [String: String] = [:], delete: [String] = []) throws {
        guard isRunning, core != nil else { return }
        guard core!.serf != nil else {
            throw WireError.invalidField(name: "tags", reason: "a plain memberlist member has no Serf tags")
        }
        let effects = try core!.updateTags(set: set, delete: delete, at: now, using: &rng)
        execute(effects)
        logger.info("tags updated", metadata: ["gossip.tags": "\(tags)"])
    }

    /// Serf's force-leave: a leave intent about `name` to every live member, so that a failed member becomes
    /// `left` here and on every Serf agent. As in Serf, a name that is not a failed member is not an error
    /// (nothing changes for it). Returns whether `name` was a failed member.
    @discardableResult
    public func forceLeave(_ name: String) -> Bool {
        guard isRunning, core != nil else { return false }
        let wasFailed = core!.serf?.isFailed(name, membership: core!.membership) ?? false
        let effects = core!.forceLeave(name, at: now, using: &rng)
        execute(effects)
        return wasFailed
    }

    // MARK: - User events

    /// Sends a user event to every member: delivered here first, then gossiped (each node delivers it once and
    /// passes it on). `coalesce` lets receivers keep only the newest event of a name within a short window.
    public func sendUserEvent(name: String, payload: [UInt8], coalesce: Bool = true) throws(UserEventError) {
        guard isRunning, core != nil else { throw UserEventError(description: "the node is not running") }
        do {
            let effects = try core!.sendUserEvent(
                name: name, payload: payload, coalesce: coalesce, at: now, using: &rng)
            execute(effects)
        } catch {
            throw UserEventError(description: error.description)
        }
    }

    /// User events from now on, each once, for as many listeners as want them; ends when the node stops.
    public func subscribeUserEvents() -> AsyncStream<SerfMessage.UserEvent> {
        makeSubscription { userEventSubscribers[$0] = $1 }
    }

    // MARK: - Queries

    /// Serf's default query timeout: GossipInterval × 16 × ceil(log10(n + 1)).
    public var defaultQueryTimeout: Duration {
        guard let core, let serf = core.serf else {
            return Serf.queryTimeout(gossipInterval: configuration.settings.gossipInterval, members: 1)
        }
        return serf.defaultQueryTimeout(membership: core.membership)
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
        guard isRunning, core != nil else {
            continuation.finish()
            return stream
        }
        let request = Serf.QueryRequest(
            name: name, payload: payload, filters: filters, requestAck: requestAck, relayFactor: relayFactor,
            timeout: timeout)
        do {
            let (id, effects) = try core!.ask(request, at: now, using: &rng)
            pendingQueries[id] = continuation
            execute(effects)
        } catch {
            logger.warning("query not sent", metadata: ["gossip.query": "\(name)", "gossip.error": "\(error)"])
            continuation.finish()
        }
        return stream
    }

    /// Sets what answers user queries: given the query, the responder returns the payload to send back, or `nil`
    /// for no response (an ack is still sent when the asker wants one). Without a responder queries are only
    /// acked.
    public func setQueryResponder(_ responder: (@Sendable (SerfMessage.Query) async -> [UInt8]?)?) {
        queryResponder = responder
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
        guard isRunning, core != nil,
            let effects = core!.respond(toQuery: lamportTime, id: id, payload: payload, at: now, using: &rng)
        else { return false }
        execute(effects)
        return true
    }

    // MARK: - Keys

    /// The current keyring, if traffic is encrypted.
    public var keyring: Keyring? { sharedKeyring.value }

    /// Asks every member to carry out `operation` with `key` (ignored for a listing) and collects the answers
    /// until the query times out.
    public func manageKeys(_ operation: KeyOperation, key: [UInt8] = []) async -> KeyOperationResult {
        guard isRunning, core != nil else { return KeyOperationResult() }
        guard let (id, effects) = try? core!.manageKeys(operation, key: key, at: now, using: &rng) else {
            return KeyOperationResult()
        }
        return await withCheckedContinuation { continuation in
            pendingKeyOperations[id] = continuation
            execute(effects)
        }
    }
}
