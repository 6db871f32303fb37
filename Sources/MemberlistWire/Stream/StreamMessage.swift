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
        writer.writeBytes(address.ip.bytes)
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
        writer.writeBytes(protocolVersions.bytes)
    }

    init(from reader: inout MessagePackReader) throws(WireError) {
        var ip: IPAddress?
        var incarnation: UInt32 = 0
        var metadata: [UInt8] = []
        var name = ""
        var port: UInt16 = 0
        var state: UInt64 = 0
        var versions: SWIM.ProtocolVersions?
        try reader.readFields { (key, reader) throws(WireError) in
            switch key {
            case "Addr": ip = try reader.readOptionalIPAddress(field: "Addr")
            case "Incarnation": incarnation = try reader.readUnsigned(UInt32.self, field: "Incarnation")
            case "Meta": metadata = try reader.readBytes()
            case "Name": name = try reader.readString()
            case "Port": port = try reader.readUnsigned(UInt16.self, field: "Port")
            case "State": state = try reader.readUnsigned()
            case "Vsn": versions = try reader.readProtocolVersions()
            default: return false
            }
            return true
        }
        guard let status = UInt8(exactly: state).flatMap(SWIM.Status.init(rawValue:)) else {
            throw .invalidField(name: "State", reason: "\(state) is not 0 (alive) to 3 (left)")
        }
        self.init(
            name: name,
            address: NodeAddress(ip: try MemberlistCodec.required(ip, field: "Addr"), port: port),
            metadata: try MemberlistCodec.checkedMetadata(metadata), incarnation: incarnation, status: status,
            protocolVersions: try MemberlistCodec.required(versions, field: "Vsn"))
    }
}
