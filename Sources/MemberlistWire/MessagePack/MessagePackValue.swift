/// Any MessagePack value, for protocols whose messages are read generically (Serf's RPC requests and replies).
public enum MessagePackValue: Sendable, Hashable {
    /// `nil`.
    case `nil`
    /// A boolean.
    case bool(Bool)
    /// A negative integer.
    case int(Int64)
    /// A non-negative integer.
    case uint(UInt64)
    /// A float (32 or 64 bits on the wire).
    case double(Double)
    /// A string (fixstr, str8/16/32).
    case string(String)
    /// A byte string (bin8/16/32).
    case binary([UInt8])
    /// An array.
    case array([MessagePackValue])
    /// A map, in wire order.
    case map([(key: MessagePackValue, value: MessagePackValue)])

    /// The value under string key `key` of a map.
    public subscript(key: String) -> MessagePackValue? {
        guard case .map(let pairs) = self else { return nil }
        return pairs.first { $0.key.stringValue == key }?.value
    }

    /// The string of a string, or the UTF-8 text of a byte string.
    public var stringValue: String? {
        switch self {
        case .string(let text): return text
        case .binary(let bytes): return String(decoding: bytes, as: UTF8.self)
        default: return nil
        }
    }

    /// The bytes of a byte string or a string.
    public var bytesValue: [UInt8]? {
        switch self {
        case .binary(let bytes): return bytes
        case .string(let text): return Array(text.utf8)
        case .nil: return []
        default: return nil
        }
    }

    /// An integer value that fits `Int64`.
    public var integerValue: Int64? {
        switch self {
        case .int(let value): return value
        case .uint(let value): return Int64(exactly: value)
        default: return nil
        }
    }

    /// A boolean value.
    public var boolValue: Bool? {
        if case .bool(let value) = self { return value }
        return nil
    }

    /// The elements of an array (`nil` reads as empty).
    public var arrayValue: [MessagePackValue]? {
        switch self {
        case .array(let elements): return elements
        case .nil: return []
        default: return nil
        }
    }

    /// The pairs of a map (`nil` reads as empty).
    public var mapValue: [(key: MessagePackValue, value: MessagePackValue)]? {
        switch self {
        case .map(let pairs): return pairs
        case .nil: return []
        default: return nil
        }
    }

    public static func == (lhs: MessagePackValue, rhs: MessagePackValue) -> Bool {
        switch (lhs, rhs) {
        case (.nil, .nil): return true
        case (.bool(let a), .bool(let b)): return a == b
        case (.int(let a), .int(let b)): return a == b
        case (.uint(let a), .uint(let b)): return a == b
        case (.double(let a), .double(let b)): return a == b
        case (.string(let a), .string(let b)): return a == b
        case (.binary(let a), .binary(let b)): return a == b
        case (.array(let a), .array(let b)): return a == b
        case (.map(let a), .map(let b)):
            return a.count == b.count && zip(a, b).allSatisfy { $0.key == $1.key && $0.value == $1.value }
        default: return false
        }
    }

    public func hash(into hasher: inout Hasher) {
        switch self {
        case .nil: hasher.combine(0)
        case .bool(let value): hasher.combine(value)
        case .int(let value): hasher.combine(value)
        case .uint(let value): hasher.combine(value)
        case .double(let value): hasher.combine(value)
        case .string(let value): hasher.combine(value)
        case .binary(let value): hasher.combine(value)
        case .array(let value): hasher.combine(value)
        case .map(let pairs):
            hasher.combine(pairs.count)
            for pair in pairs {
                hasher.combine(pair.key)
                hasher.combine(pair.value)
            }
        }
    }
}

extension MessagePackWriter {
    /// Writes `value` in this writer's style.
    public mutating func write(_ value: MessagePackValue) {
        switch value {
        case .nil: writeNil()
        case .bool(let flag): writeBool(flag)
        case .int(let number): writeSigned(number)
        case .uint(let number): writeUnsigned(number)
        case .double(let number): writeDouble(number)
        case .string(let text): writeString(text)
        case .binary(let bytes): writeBytes(bytes)
        case .array(let elements):
            writeArrayHeader(elements.count)
            for element in elements { write(element) }
        case .map(let pairs):
            writeMapHeader(pairs.count)
            for pair in pairs {
                write(pair.key)
                write(pair.value)
            }
        }
    }
}

extension MessagePackReader {
    /// Reads any value, nested up to ``maximumDepth``.
    public mutating func readValue() throws(WireError) -> MessagePackValue {
        try readValue(depth: 0)
    }

    private mutating func readValue(depth: Int) throws(WireError) -> MessagePackValue {
        guard depth < Self.maximumDepth else { throw .nestingTooDeep(limit: Self.maximumDepth) }
        let first = try peek()
        switch first {
        case 0xC0:
            _ = readNilIfPresent()
            return .nil
        case 0xC2, 0xC3: return .bool(try readBool())
        case 0x00...0x7F, 0xCC...0xCF: return .uint(try readUnsigned())
        case 0xE0...0xFF, 0xD0...0xD3:
            let value = try readSigned()
            return value < 0 ? .int(value) : .uint(UInt64(value))
        case 0xCA, 0xCB: return .double(try readDouble())
        case 0xA0...0xBF, 0xD9, 0xDA, 0xDB: return .string(try readString())
        case 0xC4, 0xC5, 0xC6: return .binary(try readBytes())
        case 0x90...0x9F, 0xDC, 0xDD:
            let count = try readArrayHeader()
            var elements: [MessagePackValue] = []
            elements.reserveCapacity(min(count, remaining))
            for _ in 0..<count { elements.append(try readValue(depth: depth + 1)) }
            return .array(elements)
        case 0x80...0x8F, 0xDE, 0xDF:
            let count = try readMapHeader()
            var pairs: [(key: MessagePackValue, value: MessagePackValue)] = []
            pairs.reserveCapacity(min(count, remaining / 2))
            for _ in 0..<count {
                let key = try readValue(depth: depth + 1)
                pairs.append((key, try readValue(depth: depth + 1)))
            }
            return .map(pairs)
        default:
            try skipValue()
            return .nil
        }
    }
}
