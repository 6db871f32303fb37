import Foundation
import GossipCore
import MemberlistWire
import SWIM
import Serf

/// Serf's key manager: a key operation asked of the whole cluster with the internal `_serf_*-key` queries, so
/// that `gossip keys` (or `serf keys` against this node's endpoint) rotates the keys of every member, Serf agents
/// included.
extension GossipNode {
    /// A cluster-wide key operation.
    public enum KeyOperation: String, Sendable, CaseIterable {
        /// Adds a key to every keyring.
        case install = "install-key"
        /// Makes an installed key the primary (the one that encrypts) everywhere.
        case use = "use-key"
        /// Removes a key (not the primary) everywhere.
        case remove = "remove-key"
        /// Lists every member's keys.
        case list = "list-keys"
    }

    /// What the members answered, as Serf's RPC reports it.
    public struct KeyOperationResult: Sendable, Hashable {
        /// Members in the cluster when the operation was asked.
        public var nodes = 0
        /// Members that answered.
        public var responses = 0
        /// Members that answered with a failure.
        public var errors = 0
        /// Each failing member's message.
        public var messages: [String: String] = [:]
        /// For a listing: each key (base64) with the number of members holding it.
        public var keys: [String: Int] = [:]

        /// Serf's verdict: an error when a member failed or did not answer.
        public var error: String? {
            if errors != 0 { return "\(errors)/\(nodes) nodes reported failure" }
            if responses != nodes { return "\(responses)/\(nodes) nodes reported success" }
            return nil
        }
    }

    /// Asks every member to carry out `operation` with `key` (ignored for a listing) and collects the answers
    /// until the query times out.
    public func manageKeys(_ operation: KeyOperation, key: [UInt8] = []) async -> KeyOperationResult {
        var result = KeyOperationResult()
        guard sharedKeyring.value != nil else {
            result.errors = 1
            result.messages[configuration.name] = "encryption is not enabled on this node"
            return result
        }
        result.nodes = members.filter { $0.status == .alive || $0.status == .suspect }.count
        let request = SerfMessage.keyRequest(SerfMessage.KeyRequest(key: operation == .list ? [] : key)).encode()
        for await answer in query(Self.keyQueryPrefix + operation.rawValue, payload: request, requestAck: false) {
            guard case .response(let from, let payload) = answer else { continue }
            result.responses += 1
            guard case .keyResponse(let response)? = try? SerfMessage(decoding: payload) else {
                result.errors += 1
                result.messages[from] = "unreadable key response"
                continue
            }
            if !response.result {
                result.errors += 1
                result.messages[from] = response.message
            }
            if operation == .list {
                for key in response.keys { result.keys[key, default: 0] += 1 }
            }
        }
        logger.info(
            "key operation", metadata: ["gossip.operation": "\(operation.rawValue)", "gossip.result": "\(result)"])
        return result
    }
}
