import GossipCore
import SWIM

/// memberlist's own API for the application of a plain memberlist member (``NodeConfiguration/plainMemberlist``):
/// broadcasts piggybacked on gossip, direct messages, and the metadata.
extension GossipNode {
    /// Queues `message` for gossip to every member (memberlist's `TransmitLimitedQueue`); a newer broadcast with
    /// the same `key` replaces it. Members receive it in ``MemberlistDelegate/notifyMessage(_:from:)``.
    public func broadcast(_ message: [UInt8], key: String) {
        guard isRunning, core != nil else { return }
        execute(core!.broadcast(message, key: key, at: now, using: &rng))
    }

    /// Sends `message` in one datagram to the member called `name` (memberlist's `SendBestEffort`); returns
    /// `false` when no such member is known.
    @discardableResult
    public func sendMessage(_ message: [UInt8], to name: String) -> Bool {
        guard isRunning, let member = core?.membership.member(named: name) else { return false }
        send([.user(message)], to: member.address, destination: member.name)
        return true
    }

    /// Replaces this node's metadata and announces it with a new incarnation (memberlist's `UpdateNode`).
    ///
    /// - Throws: `WireError.metadataTooLarge` when `metadata` is over 512 bytes; nothing changes then.
    public func updateMetadata(_ metadata: [UInt8]) throws {
        guard isRunning, core != nil else { return }
        let effects = try core!.updateMetadata(metadata, at: now, using: &rng)
        execute(effects)
    }
}
