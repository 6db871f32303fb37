import GossipCore
import SWIM

extension SWIM.Ping {
    /// `Node`, `SeqNo`, then the source fields.
    func encode(into writer: inout MessagePackWriter) {
        writer.writeMapHeader(2 + MemberlistCodec.sourceFieldCount(source, node: sourceNode))
        writer.writeKey("Node")
        writer.writeString(target)
        writer.writeKey("SeqNo")
        writer.writeUnsigned(UInt64(sequenceNumber))
        MemberlistCodec.encodeSourceFields(source, node: sourceNode, into: &writer)
    }

    init(from reader: inout MessagePackReader) throws(WireError) {
        if let ping = try Self.inMemberlistOrder(&reader) {
            self = ping
            return
        }
        var target = ""
        var sequenceNumber: UInt32 = 0
        var source = SourceFields()
        try reader.readFields { (key, reader) throws(WireError) in
            switch key {
            case "Node": target = try reader.readString()
            case "SeqNo": sequenceNumber = try reader.readUnsigned(UInt32.self, field: "SeqNo")
            default: return try source.read(key, &reader)
            }
            return true
        }
        self.init(
            target: target, sequenceNumber: sequenceNumber, source: source.nodeAddress(), sourceNode: source.node)
    }
}

extension SWIM.Ping {
    /// The ping at the reader, if its fields come exactly as memberlist writes them (`Node`, `SeqNo`, then the
    /// three source fields or none, keys as fixstr); `nil` (the reader back where it started) otherwise.
    private static func inMemberlistOrder(_ reader: inout MessagePackReader) throws(WireError) -> SWIM.Ping? {
        let start = reader.position
        let withSource = reader.consumeMapHeader(5)
        guard withSource || reader.consumeMapHeader(2), reader.consumeKey("Node") else {
            return reader.rewound(to: start)
        }
        let target = try reader.readString()
        guard reader.consumeKey("SeqNo") else { return reader.rewound(to: start) }
        let sequenceNumber = try reader.readUnsigned(UInt32.self, field: "SeqNo")
        guard withSource else {
            return SWIM.Ping(target: target, sequenceNumber: sequenceNumber, source: nil, sourceNode: "")
        }
        guard reader.consumeKey("SourceAddr") else { return reader.rewound(to: start) }
        let address = try reader.readOptionalIPAddress(field: "SourceAddr")
        guard reader.consumeKey("SourceNode") else { return reader.rewound(to: start) }
        let sourceNode = try reader.readString()
        guard reader.consumeKey("SourcePort") else { return reader.rewound(to: start) }
        let port = try reader.readUnsigned(UInt16.self, field: "SourcePort")
        return SWIM.Ping(
            target: target, sequenceNumber: sequenceNumber, source: address.map { NodeAddress(ip: $0, port: port) },
            sourceNode: sourceNode)
    }
}

extension SWIM.IndirectPing {
    /// `Nack`, `Node`, `Port`, `SeqNo`, the source fields, `Target`.
    func encode(into writer: inout MessagePackWriter) {
        writer.writeMapHeader(5 + MemberlistCodec.sourceFieldCount(source, node: sourceNode))
        writer.writeKey("Nack")
        writer.writeBool(wantsNack)
        writer.writeKey("Node")
        writer.writeString(target)
        writer.writeKey("Port")
        writer.writeUnsigned(UInt64(targetAddress.port))
        writer.writeKey("SeqNo")
        writer.writeUnsigned(UInt64(sequenceNumber))
        MemberlistCodec.encodeSourceFields(source, node: sourceNode, into: &writer)
        writer.writeKey("Target")
        writer.writeIPAddress(targetAddress.ip)
    }

    init(from reader: inout MessagePackReader) throws(WireError) {
        var wantsNack = false
        var target = ""
        var port: UInt16 = 0
        var sequenceNumber: UInt32 = 0
        var targetIP: IPAddress?
        var source = SourceFields()
        try reader.readFields { (key, reader) throws(WireError) in
            switch key {
            case "Nack": wantsNack = try reader.readBool()
            case "Node": target = try reader.readString()
            case "Port": port = try reader.readUnsigned(UInt16.self, field: "Port")
            case "SeqNo": sequenceNumber = try reader.readUnsigned(UInt32.self, field: "SeqNo")
            case "Target": targetIP = try reader.readOptionalIPAddress(field: "Target")
            default: return try source.read(key, &reader)
            }
            return true
        }
        self.init(
            wantsNack: wantsNack, target: target,
            targetAddress: NodeAddress(ip: try MemberlistCodec.required(targetIP, field: "Target"), port: port),
            sequenceNumber: sequenceNumber, source: source.nodeAddress(), sourceNode: source.node)
    }
}

extension SWIM.Ack {
    /// `Payload` (`nil` when empty), `SeqNo`.
    func encode(into writer: inout MessagePackWriter) {
        writer.writeMapHeader(2)
        writer.writeKey("Payload")
        writer.writeBytesOrNil(payload)
        writer.writeKey("SeqNo")
        writer.writeUnsigned(UInt64(sequenceNumber))
    }

    init(from reader: inout MessagePackReader) throws(WireError) {
        var payload: [UInt8] = []
        var sequenceNumber: UInt32 = 0
        try reader.readFields { (key, reader) throws(WireError) in
            switch key {
            case "Payload": payload = try reader.readBytes()
            case "SeqNo": sequenceNumber = try reader.readUnsigned(UInt32.self, field: "SeqNo")
            default: return false
            }
            return true
        }
        self.init(sequenceNumber: sequenceNumber, payload: payload)
    }
}

extension SWIM.Alive {
    /// `Addr`, `Incarnation`, `Meta` (`nil` when empty), `Node`, `Port`, `Vsn`.
    func encode(into writer: inout MessagePackWriter) {
        writer.writeMapHeader(6)
        writer.writeKey("Addr")
        writer.writeIPAddress(address.ip)
        writer.writeKey("Incarnation")
        writer.writeUnsigned(UInt64(incarnation))
        writer.writeKey("Meta")
        writer.writeBytesOrNil(metadata)
        writer.writeKey("Node")
        writer.writeString(node)
        writer.writeKey("Port")
        writer.writeUnsigned(UInt64(address.port))
        writer.writeKey("Vsn")
        writer.writeProtocolVersions(protocolVersions)
    }

    init(from reader: inout MessagePackReader) throws(WireError) {
        if let alive = try Self.inMemberlistOrder(&reader) {
            self = alive
            return
        }
        var fields = MemberRecordFields(nameKey: "Node")
        try reader.readFields { (key, reader) throws(WireError) in try fields.read(key, &reader) }
        self.init(
            incarnation: fields.incarnation, node: fields.name, address: try fields.address(),
            metadata: try fields.checkedMetadata(), protocolVersions: try fields.versions())
    }
}

extension SWIM.Alive {
    /// The alive at the reader, if its fields come exactly as memberlist writes them (all six, in order, keys as
    /// fixstr): the fast path for every alive a memberlist or Serf node sends. `nil` (the reader back where it
    /// started) at the first other key.
    private static func inMemberlistOrder(_ reader: inout MessagePackReader) throws(WireError) -> SWIM.Alive? {
        let start = reader.position
        guard reader.consumeMapHeader(6), reader.consumeKey("Addr") else { return reader.rewound(to: start) }
        let ip = try reader.readOptionalIPAddress(field: "Addr")
        guard reader.consumeKey("Incarnation") else { return reader.rewound(to: start) }
        let incarnation = try reader.readUnsigned(UInt32.self, field: "Incarnation")
        guard reader.consumeKey("Meta") else { return reader.rewound(to: start) }
        let metadata = try MemberlistCodec.checkedMetadata(try reader.readBytesSlice())
        guard reader.consumeKey("Node") else { return reader.rewound(to: start) }
        let node = try reader.readString()
        guard reader.consumeKey("Port") else { return reader.rewound(to: start) }
        let port = try reader.readUnsigned(UInt16.self, field: "Port")
        guard reader.consumeKey("Vsn") else { return reader.rewound(to: start) }
        let versions = try reader.readProtocolVersions()
        return SWIM.Alive(
            incarnation: incarnation, node: node,
            address: NodeAddress(ip: try MemberlistCodec.required(ip, field: "Addr"), port: port), metadata: metadata,
            protocolVersions: versions)
    }
}

extension MemberlistCodec {
    static func checkedMetadata<Bytes: Collection<UInt8>>(_ metadata: Bytes) throws(WireError) -> Bytes {
        guard metadata.count <= maximumMetadataSize else {
            throw .metadataTooLarge(size: metadata.count, limit: maximumMetadataSize)
        }
        return metadata
    }

    static func required<Value>(_ value: Value?, field: StaticString) throws(WireError) -> Value {
        guard let value else { throw .invalidField(name: "\(field)", reason: "missing") }
        return value
    }
}

extension MessagePackReader {
    /// memberlist's `Vsn`: six raw bytes.
    mutating func readProtocolVersions() throws(WireError) -> SWIM.ProtocolVersions {
        let range = try readBytesRange()
        guard range.count == 6 else {
            throw .invalidField(name: "Vsn", reason: "the version vector is 6 bytes, not \(range.count)")
        }
        let b = range.lowerBound
        return SWIM.ProtocolVersions(
            protocolMin: byte(at: b), protocolMax: byte(at: b + 1), protocolCurrent: byte(at: b + 2),
            delegateMin: byte(at: b + 3), delegateMax: byte(at: b + 4), delegateCurrent: byte(at: b + 5))
    }
}

/// The fields `alive` and the push-pull node state share (`Addr`, `Incarnation`, `Meta`, the name under
/// `nameKey`, `Port`, `Vsn`, and the node state's `State`) while they are being read.
struct MemberRecordFields {
    let nameKey: StaticString
    var ip: IPAddress?
    var incarnation: UInt32 = 0
    /// A slice of the packet or stream being read.
    var metadata: ArraySlice<UInt8> = []
    var name = ""
    var port: UInt16 = 0
    var state: UInt64 = 0
    var protocolVersions: SWIM.ProtocolVersions?

    init(nameKey: StaticString) {
        self.nameKey = nameKey
    }

    /// Reads `key` if it is one of these fields.
    mutating func read(_ key: FieldKey, _ reader: inout MessagePackReader) throws(WireError) -> Bool {
        switch key {
        case "Addr": ip = try reader.readOptionalIPAddress(field: "Addr")
        case "Incarnation": incarnation = try reader.readUnsigned(UInt32.self, field: "Incarnation")
        case "Meta": metadata = try reader.readBytesSlice()
        case nameKey: name = try reader.readString()
        case "Port": port = try reader.readUnsigned(UInt16.self, field: "Port")
        case "State": state = try reader.readUnsigned()
        case "Vsn": protocolVersions = try reader.readProtocolVersions()
        default: return false
        }
        return true
    }

    func address() throws(WireError) -> NodeAddress {
        NodeAddress(ip: try MemberlistCodec.required(ip, field: "Addr"), port: port)
    }

    func checkedMetadata() throws(WireError) -> ArraySlice<UInt8> { try MemberlistCodec.checkedMetadata(metadata) }

    func versions() throws(WireError) -> SWIM.ProtocolVersions {
        try MemberlistCodec.required(protocolVersions, field: "Vsn")
    }

    func status() throws(WireError) -> SWIM.Status {
        guard let status = UInt8(exactly: state).flatMap(SWIM.Status.init(rawValue:)) else {
            throw .invalidField(name: "State", reason: "\(state) is not 0 (alive) to 3 (left)")
        }
        return status
    }
}
