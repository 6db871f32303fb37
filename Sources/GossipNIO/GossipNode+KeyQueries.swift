import Foundation
import GossipCore
import MemberlistWire
import SWIM

/// Serf's internal key-management queries (`_serf_install-key`, `_serf_use-key`, `_serf_remove-key`,
/// `_serf_list-keys`), answered so that `serf keys` can rotate the keys of a cluster this node is part of.
extension GossipNode {
    static let keyQueryPrefix = "_serf_"

    /// Handles a Serf query if it is one this node answers; other Serf messages are left alone.
    func handleSerfMessage(_ payload: [UInt8]) {
        let message = try? SerfMessage(decoding: payload)
        if case .userEvent(let event)? = message {
            if serf.isNew(event) {
                // New to us: pass it on (Serf rebroadcasts every new event) and deliver it.
                instance?.broadcast(payload, key: Self.broadcastKey(of: event))
                deliver(event)
            }
            return
        }
        if case .leave(let intent)? = message, intent.node != configuration.name {
            // A leave intent about a failed member is a force-leave: it is gone for good.
            applyForceLeave(intent.node)
            return
        }
        guard case .query(let query)? = message else { return }
        serf.witnessQuery(query.lamportTime)
        guard query.name.hasPrefix(Self.keyQueryPrefix) else {
            handleUserQuery(query, payload: payload)
            return
        }
        guard answeredQueries.insert(QueryIdentity(lamportTime: query.lamportTime, id: query.id)).inserted else {
            return
        }
        if answeredQueries.count > 1024 { answeredQueries.removeAll() }
        guard let ip = IPAddress(bytes: query.address) else { return }
        let asker = NodeAddress(ip: ip, port: query.port)
        let operation = String(query.name.dropFirst(Self.keyQueryPrefix.count))
        guard ["install-key", "use-key", "remove-key", "list-keys"].contains(operation) else { return }
        if query.flags & SerfMessage.Query.ackFlag != 0 {
            respond(to: query, at: asker, flags: SerfMessage.QueryResponse.ackFlag, payload: [])
        }
        let answer = keyResponse(operation: operation, request: query.payload)
        respond(to: query, at: asker, flags: 0, payload: SerfMessage.keyResponse(answer).encode())
    }

    private func keyResponse(operation: String, request: [UInt8]) -> SerfMessage.KeyResponse {
        var answer = SerfMessage.KeyResponse(keys: [], message: "", primaryKey: "", result: true)
        guard var keyring = packetCodec.keyring else {
            answer.result = false
            answer.message = "this node's traffic is not encrypted"
            return answer
        }
        let key: [UInt8]
        if operation == "list-keys" {
            key = []
        } else if case .keyRequest(let keyRequest)? = try? SerfMessage(decoding: request) {
            key = keyRequest.key
        } else {
            answer.result = false
            answer.message = "unreadable key request"
            return answer
        }
        do {
            switch operation {
            case "install-key": try keyring.install(key)
            case "use-key": try keyring.use(key)
            case "remove-key": try keyring.remove(key)
            default: break
            }
        } catch {
            answer.result = false
            answer.message = "\(error)"
        }
        packetCodec.keyring = keyring
        streamCodec.keyring = keyring
        sharedKeyring.set(keyring)
        answer.keys = keyring.keys.map { Data($0).base64EncodedString() }
        answer.primaryKey = Data(keyring.primaryKey).base64EncodedString()
        logger.info("key query", metadata: ["gossip.operation": "\(operation)", "gossip.result": "\(answer.result)"])
        return answer
    }

    /// The current keyring, if traffic is encrypted.
    public var keyring: Keyring? { packetCodec.keyring }
}

/// A query's identity, for answering each query once.
struct QueryIdentity: Hashable, Sendable {
    var lamportTime: UInt64
    var id: UInt32
}

extension GossipNode {
    /// Serf's force-leave: a failed member becomes left here, and a leave intent about it tells the Serf
    /// agents to do the same. Returns `false` when the member is unknown or not failed.
    @discardableResult
    public func forceLeave(_ name: String) -> Bool {
        guard isRunning, applyForceLeave(name) else { return false }
        let intent = serf.leaveIntent(about: name)
        for member in members where member.name != configuration.name && member.status == .alive {
            send([.user(intent)], to: member.address, destination: member.name)
        }
        return true
    }

    @discardableResult
    func applyForceLeave(_ name: String) -> Bool {
        guard var instance else { return false }
        let (wasDead, effects) = instance.forceLeave(name, at: now, using: &rng)
        self.instance = instance
        execute(effects)
        return wasDead
    }
}
