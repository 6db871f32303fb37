import Foundation
import GossipCore
import MemberlistWire
import SWIM

/// Serf's internal queries as a member answers them: `_serf_ping` needs nothing beyond the ack, `_serf_conflict`
/// gets this node's view of the contested member, and the key queries (`_serf_install-key`, `_serf_use-key`,
/// `_serf_remove-key`, `_serf_list-keys`) act on the keyring, so that `serf keys` rotates the keys of a cluster
/// this node is part of.
extension Serf.Layer {
    /// Answers an internal query this node passes the filters of (the ack, when asked, was already sent).
    mutating func answerInternalQuery(
        _ query: SerfMessage.Query, asker: NodeAddress, membership: SWIM.Instance,
        using rng: inout some RandomNumberGenerator
    ) {
        let operation = String(query.name.dropFirst(Serf.internalQueryPrefix.count))
        switch operation {
        case "conflict":
            let contested = String(decoding: query.payload, as: UTF8.self)
            guard let member = membership.member(named: contested) else { return }
            let payload = SerfMessage.conflictResponse(Self.serfMember(member)).encode()
            respond(to: query, at: asker, flags: 0, payload: payload, membership: membership, using: &rng)
        case "install-key", "use-key", "remove-key", "list-keys":
            let answer = keyResponse(operation: operation, request: query.payload)
            let payload = SerfMessage.keyResponse(answer).encode()
            respond(to: query, at: asker, flags: 0, payload: payload, membership: membership, using: &rng)
        default:
            // `_serf_ping`, and internal queries of later Serf versions: the ack is the whole answer.
            break
        }
    }

    /// A member as Serf encodes it in a conflict response.
    public static func serfMember(_ member: SWIM.Member) -> SerfMessage.Member {
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

    /// Carries out a key operation on this node's keyring and says how it went, as Serf's key response does.
    mutating func keyResponse(operation: String, request: [UInt8]) -> SerfMessage.KeyResponse {
        var answer = SerfMessage.KeyResponse(keys: [], message: "", primaryKey: "", result: true)
        guard var keyring else {
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
        if keyring != self.keyring {
            self.keyring = keyring
            effects.append(.keyringChanged(keyring))
        }
        answer.keys = keyring.keys.map { Data($0).base64EncodedString() }
        answer.primaryKey = Data(keyring.primaryKey).base64EncodedString()
        return answer
    }
}
