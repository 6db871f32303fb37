import MemberlistWire

extension SerfMessage.Query {
    /// A query filter as Serf encodes it in ``SerfMessage/Query/filters``: `00` + a MessagePack array of node
    /// names, or `01` + `{Expr, Tag}` (a regular expression on one tag).
    public enum Filter: Sendable, Hashable {
        /// Only these nodes answer.
        case nodes([String])
        /// Only nodes whose tag `tag` matches the regular expression `expression` answer.
        case tag(String, expression: String)

        /// The filter's bytes.
        public func encode() -> [UInt8] {
            var writer = MessagePackWriter()
            switch self {
            case .nodes(let names):
                writer.writeRaw([0])
                writer.writeArrayHeader(names.count)
                for name in names { writer.writeString(name) }
            case .tag(let tag, let expression):
                writer.writeRaw([1])
                writer.writeMapHeader(2)
                writer.writeKey("Expr")
                writer.writeString(expression)
                writer.writeKey("Tag")
                writer.writeString(tag)
            }
            return writer.bytes
        }

        /// Decodes a filter's bytes.
        public init(decoding bytes: [UInt8]) throws(WireError) {
            guard let first = bytes.first else { throw .emptyMessage }
            var reader = MessagePackReader(bytes, range: 1..<bytes.count)
            switch first {
            case 0:
                let count = try reader.readArrayHeader()
                var names: [String] = []
                for _ in 0..<count { names.append(try reader.readString()) }
                self = .nodes(names)
            case 1:
                var expression = ""
                var tag = ""
                try reader.readFields { (key, reader) throws(WireError) in
                    switch key {
                    case "Expr": expression = try reader.readString()
                    case "Tag": tag = try reader.readString()
                    default: return false
                    }
                    return true
                }
                self = .tag(tag, expression: expression)
            default:
                throw .invalidField(name: "filter", reason: "type \(first) is neither 0 (nodes) nor 1 (tag)")
            }
        }
    }
}
