import GossipCore
import SWIM

/// Encodes and decodes the memberlist messages that travel one per datagram part: ping, indirect ping, ack,
/// nack, suspect, alive, dead and user, exactly as memberlist 0.2.2 writes them (go-msgpack 0.5: struct fields as
/// a map with byte-wise sorted keys, `omitempty` fields left out, raw strings, smallest integers).
public enum MemberlistCodec {
    /// memberlist's `MetaMaxSize`.
    public static let maximumMetadataSize = 512

    /// The encoded message, its type byte first.
    public static func encode(_ message: SWIM.Message) -> [UInt8] {
        var writer = MessagePackWriter(capacity: 96)
        encode(message, into: &writer)
        return writer.bytes
    }

    /// Appends the encoded message, its type byte first.
    public static func encode(_ message: SWIM.Message, into writer: inout MessagePackWriter) {
        switch message {
        case .ping(let ping):
            writer.writeRaw(CollectionOfOne(MessageType.ping.rawValue))
            ping.encode(into: &writer)
        case .indirectPing(let request):
            writer.writeRaw(CollectionOfOne(MessageType.indirectPing.rawValue))
            request.encode(into: &writer)
        case .ack(let ack):
            writer.writeRaw(CollectionOfOne(MessageType.ack.rawValue))
            ack.encode(into: &writer)
        case .nack(let nack):
            writer.writeRaw(CollectionOfOne(MessageType.nack.rawValue))
            writer.writeMapHeader(1)
            writer.writeKey("SeqNo")
            writer.writeUnsigned(UInt64(nack.sequenceNumber))
        case .suspect(let suspect):
            writer.writeRaw(CollectionOfOne(MessageType.suspect.rawValue))
            encodeAccusation(from: suspect.from, incarnation: suspect.incarnation, node: suspect.node, into: &writer)
        case .alive(let alive):
            writer.writeRaw(CollectionOfOne(MessageType.alive.rawValue))
            alive.encode(into: &writer)
        case .dead(let dead):
            writer.writeRaw(CollectionOfOne(MessageType.dead.rawValue))
            encodeAccusation(from: dead.from, incarnation: dead.incarnation, node: dead.node, into: &writer)
        case .user(let payload):
            writer.writeRaw(CollectionOfOne(MessageType.user.rawValue))
            writer.writeRaw(payload)
        }
    }

    /// Decodes the message in `bytes[range]` (all of `bytes` by default), its type byte first. Compound,
    /// compress, CRC and stream-only types are the packet and stream layers' business and are refused here.
    public static func decode(_ bytes: [UInt8], range: Range<Int>? = nil) throws(WireError) -> SWIM.Message {
        try MessagePackReader.reading(bytes, range: range) { (reader) throws(WireError) in try decode(&reader) }
    }

    /// Decodes the message from the reader's position to its end, its type byte first.
    static func decode(_ reader: inout MessagePackReader) throws(WireError) -> SWIM.Message {
        guard !reader.isAtEnd else { throw .emptyMessage }
        let type = try reader.readByte("a message type")
        switch type {
        case MessageType.ping.rawValue: return .ping(try SWIM.Ping(from: &reader))
        case MessageType.indirectPing.rawValue: return .indirectPing(try SWIM.IndirectPing(from: &reader))
        case MessageType.ack.rawValue: return .ack(try SWIM.Ack(from: &reader))
        case MessageType.nack.rawValue:
            var sequenceNumber: UInt32 = 0
            try reader.readFields { (key, reader) throws(WireError) in
                guard key == "SeqNo" else { return false }
                sequenceNumber = try reader.readUnsigned(UInt32.self, field: "SeqNo")
                return true
            }
            return .nack(SWIM.Nack(sequenceNumber: sequenceNumber))
        case MessageType.suspect.rawValue:
            let (from, incarnation, node) = try decodeAccusation(&reader)
            return .suspect(SWIM.Suspect(incarnation: incarnation, node: node, from: from))
        case MessageType.alive.rawValue: return .alive(try SWIM.Alive(from: &reader))
        case MessageType.dead.rawValue:
            let (from, incarnation, node) = try decodeAccusation(&reader)
            return .dead(SWIM.Dead(incarnation: incarnation, node: node, from: from))
        case MessageType.user.rawValue: return .user(try reader.readRaw(reader.remaining, context: "a user message"))
        default: throw .unknownMessageType(type)
        }
    }

    /// `suspect` and `dead` share their shape: `From`, `Incarnation`, `Node`.
    static func encodeAccusation(from: String, incarnation: UInt32, node: String, into writer: inout MessagePackWriter)
    {
        writer.writeMapHeader(3)
        writer.writeKey("From")
        writer.writeString(from)
        writer.writeKey("Incarnation")
        writer.writeUnsigned(UInt64(incarnation))
        writer.writeKey("Node")
        writer.writeString(node)
    }

    static func decodeAccusation(
        _ reader: inout MessagePackReader
    ) throws(WireError) -> (from: String, incarnation: UInt32, node: String) {
        // Fast path: the three fields in memberlist's order, keys as fixstr.
        let start = reader.position
        if reader.consumeMapHeader(3), reader.consumeKey("From") {
            let from = try reader.readString()
            if reader.consumeKey("Incarnation") {
                let incarnation = try reader.readUnsigned(UInt32.self, field: "Incarnation")
                if reader.consumeKey("Node") { return (from, incarnation, try reader.readString()) }
            }
        }
        reader.rewind(to: start)
        var from = ""
        var incarnation: UInt32 = 0
        var node = ""
        try reader.readFields { (key, reader) throws(WireError) in
            switch key {
            case "From": from = try reader.readString()
            case "Incarnation": incarnation = try reader.readUnsigned(UInt32.self, field: "Incarnation")
            case "Node": node = try reader.readString()
            default: return false
            }
            return true
        }
        return (from, incarnation, node)
    }

    /// The source fields of ping and indirect ping: `SourceAddr`, `SourceNode`, `SourcePort`, each omitted when
    /// empty (memberlist's `omitempty`).
    static func sourceFieldCount(_ source: NodeAddress?, node: String) -> Int {
        (source == nil ? 0 : 1) + (node.isEmpty ? 0 : 1) + ((source?.port ?? 0) == 0 ? 0 : 1)
    }

    static func encodeSourceFields(_ source: NodeAddress?, node: String, into writer: inout MessagePackWriter) {
        if let source {
            writer.writeKey("SourceAddr")
            writer.writeIPAddress(source.ip)
        }
        if !node.isEmpty {
            writer.writeKey("SourceNode")
            writer.writeString(node)
        }
        if let source, source.port != 0 {
            writer.writeKey("SourcePort")
            writer.writeUnsigned(UInt64(source.port))
        }
    }
}

/// The source fields while they are being read.
struct SourceFields {
    var address: IPAddress?
    var node = ""
    var port: UInt16 = 0

    /// Reads `key` if it is a source field.
    mutating func read(_ key: FieldKey, _ reader: inout MessagePackReader) throws(WireError) -> Bool {
        switch key {
        case "SourceAddr": address = try reader.readOptionalIPAddress(field: "SourceAddr")
        case "SourceNode": node = try reader.readString()
        case "SourcePort": port = try reader.readUnsigned(UInt16.self, field: "SourcePort")
        default: return false
        }
        return true
    }

    func nodeAddress() -> NodeAddress? {
        address.map { NodeAddress(ip: $0, port: port) }
    }
}
