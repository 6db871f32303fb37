import MemberlistWire
import SWIM
import Serf

extension GossipNode {
    /// This node's tags now.
    public var tags: [String: String] {
        (try? SerfTags.decode(localMember?.metadata ?? [])) ?? [:]
    }

    /// Sets and deletes tags, and announces the new metadata to the cluster (a new incarnation), as
    /// `serf tags -set k=v -delete k` does.
    ///
    /// - Throws: `WireError.metadataTooLarge` when the encoded tags would exceed 512 bytes; nothing changes then.
    public func updateTags(set: [String: String] = [:], delete: [String] = []) throws {
        guard isRunning, var instance else { return }
        var tags = self.tags
        for key in delete { tags[key] = nil }
        tags.merge(set) { $1 }
        let metadata = try SerfTags.encode(tags)
        let effects = try instance.updateMetadata(metadata, at: now, using: &rng)
        self.instance = instance
        execute(effects)
        logger.info("tags updated", metadata: ["gossip.tags": "\(tags)"])
    }
}
