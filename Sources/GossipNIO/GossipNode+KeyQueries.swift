import Foundation
import GossipCore
import MemberlistWire
import SWIM
import Serf

/// Serf's internal key-management queries (`_serf_install-key`, `_serf_use-key`, `_serf_remove-key`,
/// `_serf_list-keys`), answered so that `serf keys` can rotate the keys of a cluster this node is part of.
extension GossipNode {
    static let keyQueryPrefix = "_serf_"

    /// Answers one of Serf's internal queries (the ack, when asked, was sent by ``acceptQuery(_:payload:)``):
    /// `_serf_ping` needs nothing more, `_serf_conflict` gets this node's view of the contested member, the key
    /// queries get a key response.
    func handleInternalQuery(_ query: SerfMessage.Query, payload: [UInt8]) {
        guard let asker = acceptQuery(query, payload: payload) else { return }
        let operation = String(query.name.dropFirst(Self.keyQueryPrefix.count))
        switch operation {
        case "ping":
            break
        case "conflict":
            let name = String(decoding: query.payload, as: UTF8.self)
            guard let member = members.first(where: { $0.name == name }) else { return }
            respond(
                to: query, at: asker, flags: 0, payload: SerfMessage.conflictResponse(Self.serfMember(member)).encode())
        case "install-key", "use-key", "remove-key", "list-keys":
            let answer = keyResponse(operation: operation, request: query.payload)
            respond(to: query, at: asker, flags: 0, payload: SerfMessage.keyResponse(answer).encode())
        default:
            logger.debug("unknown internal query", metadata: ["gossip.query": "\(query.name)"])
        }
    }

    /// A member as Serf encodes it in a conflict response.
    static func serfMember(_ member: SWIM.Member) -> SerfMessage.Member {
        let statusCode: Int64
        switch member.status {
        case .alive, .suspect: statusCode = 1
        case .left: statusCode = 3
        case .dead: statusCode = 4
        }
        return SerfMessage.Member(
            address: member.address.ip.bytes, versions: member.protocolVersions.bytes, name: member.name,
            port: member.address.port, status: statusCode, tags: (try? SerfTags.decode(member.metadata)) ?? [:])
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
