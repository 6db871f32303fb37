import Foundation
import GossipCore
import MemberlistWire
import SWIM

/// Serf's internal key-management queries (`_serf_install-key`, `_serf_use-key`, `_serf_remove-key`,
/// `_serf_list-keys`), answered so that `serf keys` can rotate the keys of a cluster this node is part of.
extension GossipNode {
    static let keyQueryPrefix = "_serf_"

    /// Answers a `_serf_*-key` query once: an ack when asked, then the key response.
    func handleKeyQuery(_ query: SerfMessage.Query) {
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

    func keyResponse(operation: String, request: [UInt8]) -> SerfMessage.KeyResponse {
        var answer = SerfMessage.KeyResponse(keys: [], message: "", primaryKey: "", result: true)
        guard var keyring = sharedKeyring.value else {
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
        sharedKeyring.set(keyring)
        answer.keys = keyring.keys.map { Data($0).base64EncodedString() }
        answer.primaryKey = Data(keyring.primaryKey).base64EncodedString()
        logger.info("key query", metadata: ["gossip.operation": "\(operation)", "gossip.result": "\(answer.result)"])
        return answer
    }

    /// The current keyring, if traffic is encrypted.
    public var keyring: Keyring? { sharedKeyring.value }
}

/// A query's identity, for answering each query once.
struct QueryIdentity: Hashable, Sendable {
    var lamportTime: UInt64
    var id: UInt32
}
