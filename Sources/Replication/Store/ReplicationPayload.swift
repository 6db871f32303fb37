/// How replication and aggregation travel inside memberlist `user` messages: one leading byte that no Serf
/// message uses (Serf's types are 0–9), then the message. Datagrams carry rumors, aggregation shares and digests;
/// streams carry anti-entropy requests and replies. (203 is the broadcast tree's.)
public enum ReplicationPayload {
    /// A ``Replication/SyncMessage`` `rumor` in a datagram.
    public static let rumor: UInt8 = 200
    /// A ``Replication/SyncMessage`` request or reply on a stream.
    public static let sync: UInt8 = 201
    /// An aggregation share in a datagram.
    public static let aggregate: UInt8 = 202
    /// A replica's digest in a datagram: its Merkle tree's depth (one byte) and root (eight bytes, big-endian).
    public static let digest: UInt8 = 204

    /// `true` when `payload` is ours rather than Serf's.
    public static func isReplication(_ payload: [UInt8]) -> Bool {
        guard let first = payload.first else { return false }
        return first == rumor || first == sync || first == aggregate || first == digest
    }

    /// `payload` behind the leading byte `kind`.
    public static func wrap(_ kind: UInt8, _ payload: [UInt8]) -> [UInt8] {
        var bytes = [kind]
        bytes.reserveCapacity(payload.count + 1)
        bytes += payload
        return bytes
    }
}
