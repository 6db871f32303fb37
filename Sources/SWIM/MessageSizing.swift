import GossipCore

extension SWIM {
    /// Knows how many bytes a message takes on the wire, so that an ``Instance`` can fill each packet's
    /// piggyback budget without encoding. The wire codec serves this exactly; ``MessagePackSizing`` computes the
    /// size memberlist's MessagePack encoding gives without writing any bytes.
    public protocol MessageSizing: Sendable {
        /// The encoded size of `message`, its type byte included.
        func encodedSize(of message: Message) -> Int
    }

    /// The size memberlist 0.2.2 (go-msgpack 0.5) gives each message: structs as maps with sorted keys, strings
    /// and byte strings as fixstr / str16 / str32, the smallest integer form, `omitempty` fields left out.
    public struct MessagePackSizing: MessageSizing {
        /// Creates the sizer.
        public init() {}

        /// The encoded size of `message`, its type byte included.
        public func encodedSize(of message: Message) -> Int {
            switch message {
            case .ping(let ping):
                var size = 2 + Self.field("Node", string: ping.target.utf8.count)
                size += Self.field("SeqNo", unsigned: UInt64(ping.sequenceNumber))
                size += Self.sourceFields(ping.source, node: ping.sourceNode)
                return size
            case .indirectPing(let request):
                var size = 2 + Self.keySize("Nack") + 1
                size += Self.field("Node", string: request.target.utf8.count)
                size += Self.field("Port", unsigned: UInt64(request.targetAddress.port))
                size += Self.field("SeqNo", unsigned: UInt64(request.sequenceNumber))
                size += Self.sourceFields(request.source, node: request.sourceNode)
                size += Self.field("Target", string: Self.ipLength(request.targetAddress.ip))
                return size
            case .ack(let ack):
                return 2 + Self.field("Payload", string: ack.payload.count)
                    + Self.field("SeqNo", unsigned: UInt64(ack.sequenceNumber))
            case .nack(let nack):
                return 2 + Self.field("SeqNo", unsigned: UInt64(nack.sequenceNumber))
            case .suspect(let suspect):
                return 2 + Self.field("From", string: suspect.from.utf8.count)
                    + Self.field("Incarnation", unsigned: UInt64(suspect.incarnation))
                    + Self.field("Node", string: suspect.node.utf8.count)
            case .alive(let alive):
                return 2 + Self.field("Addr", string: Self.ipLength(alive.address.ip))
                    + Self.field("Incarnation", unsigned: UInt64(alive.incarnation))
                    + Self.field("Meta", string: alive.metadata.count)
                    + Self.field("Node", string: alive.node.utf8.count)
                    + Self.field("Port", unsigned: UInt64(alive.address.port))
                    + Self.field("Vsn", string: 6)
            case .dead(let dead):
                return 2 + Self.field("From", string: dead.from.utf8.count)
                    + Self.field("Incarnation", unsigned: UInt64(dead.incarnation))
                    + Self.field("Node", string: dead.node.utf8.count)
            case .user(let bytes):
                return 1 + bytes.count
            }
        }

        static func ipLength(_ ip: IPAddress) -> Int {
            switch ip {
            case .v4: return 4
            case .v6: return 16
            }
        }

        static func sourceFields(_ source: NodeAddress?, node: String) -> Int {
            var size = 0
            if let source {
                size += field("SourceAddr", string: ipLength(source.ip))
            }
            if !node.isEmpty {
                size += field("SourceNode", string: node.utf8.count)
            }
            if let source, source.port > 0 {
                size += field("SourcePort", unsigned: UInt64(source.port))
            }
            return size
        }

        static func keySize(_ key: StaticString) -> Int { stringSize(key.utf8CodeUnitCount) }

        static func field(_ key: StaticString, string length: Int) -> Int { keySize(key) + stringSize(length) }

        static func field(_ key: StaticString, unsigned value: UInt64) -> Int { keySize(key) + unsignedSize(value) }

        /// Header plus body of a raw string of `length` bytes (fixstr, str16 or str32).
        static func stringSize(_ length: Int) -> Int {
            if length < 32 { return 1 + length }
            if length < 65536 { return 3 + length }
            return 5 + length
        }

        /// Bytes of the smallest unsigned integer form.
        static func unsignedSize(_ value: UInt64) -> Int {
            switch value {
            case 0..<128: return 1
            case 128..<256: return 2
            case 256..<65536: return 3
            case 65536..<(1 << 32): return 5
            default: return 9
            }
        }
    }
}
