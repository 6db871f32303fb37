import GossipCore
import SWIM

/// A message on a memberlist TCP stream (one exchange per connection, spec §1.10).
public enum StreamMessage: Sendable, Hashable {
    /// A full state exchange: the join or periodic push-pull, and its answer.
    case pushPull(SWIM.PushPull)
    /// A fallback probe over TCP.
    case ping(SWIM.Ping)
    /// The answer to a stream ping.
    case ack(SWIM.Ack)
    /// Application bytes sent reliably (memberlist `SendReliable`; `08` · {UserMsgLen} · bytes).
    case user([UInt8])
    /// The peer could not handle what it was sent (memberlist `errResp`).
    case error(String)
}

extension SWIM.NodeState {
    /// `Addr`, `Incarnation`, `Meta`, `Name`, `Port`, `State`, `Vsn` (memberlist's `pushNodeState`).
    func encode(into writer: inout MessagePackWriter) {
        writer.writeMapHeader(7)
        writer.writeKey("Addr")
        writer.writeIPAddress(address.ip)
        writer.writeKey("Incarnation")
        writer.writeUnsigned(UInt64(incarnation))
        writer.writeKey("Meta")
        writer.writeBytesOrNil(metadata)
        writer.writeKey("Name")
        writer.writeString(name)
        writer.writeKey("Port")
        writer.writeUnsigned(UInt64(address.port))
        writer.writeKey("State")
        writer.writeUnsigned(UInt64(status.rawValue))
        writer.writeKey("Vsn")
        writer.writeProtocolVersions(protocolVersions)
    }

    init(from reader: inout MessagePackReader) throws(WireError) {
        var fields = MemberRecordFields(nameKey: "Name")
        try reader.readFields { (key, reader) throws(WireError) in try fields.read(key, &reader) }
        self.init(
            name: fields.name, address: try fields.address(), metadata: Array(try fields.checkedMetadata()),
            incarnation: fields.incarnation, status: try fields.status(), protocolVersions: try fields.versions())
    }
}
