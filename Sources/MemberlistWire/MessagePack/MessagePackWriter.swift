/// Writes MessagePack the way a Go peer does.
///
/// ``Style/goMsgpackRaw`` is go-msgpack 0.5's default handle, which memberlist and Serf use on the gossip path:
/// strings and byte strings both as old-spec raw (fixstr, str16, str32; never str8 or bin). ``Style/modern``
/// writes str8 for strings and bin for byte strings, as the handle of Serf's RPC protocol does. Integers always
/// take their smallest form.
public struct MessagePackWriter: Sendable {
    /// How strings and byte strings are written.
    public enum Style: Sendable, Hashable {
        /// fixstr / str16 / str32 for both (go-msgpack 0.5 default, memberlist's packets and streams).
        case goMsgpackRaw
        /// fixstr / str8 / str16 / str32 for strings, bin8 / bin16 / bin32 for bytes (Serf RPC).
        case modern
    }

    /// The bytes written so far.
    public var bytes: [UInt8]
    /// The string style.
    public let style: Style

    /// A writer with an empty buffer of `capacity` reserved bytes.
    public init(style: Style = .goMsgpackRaw, capacity: Int = 256) {
        self.style = style
        bytes = []
        bytes.reserveCapacity(capacity)
    }

    /// `nil` (`c0`).
    public mutating func writeNil() { bytes.append(0xC0) }

    /// `c2` or `c3`.
    public mutating func writeBool(_ value: Bool) { bytes.append(value ? 0xC3 : 0xC2) }

    /// A non-negative integer in its smallest form.
    public mutating func writeUnsigned(_ value: UInt64) {
        switch value {
        case 0..<0x80:
            bytes.append(UInt8(value))
        case 0x80...0xFF:
            bytes.append(0xCC)
            bytes.append(UInt8(value))
        case 0x100...0xFFFF:
            bytes.append(0xCD)
            appendBigEndian(UInt16(value))
        case 0x1_0000...0xFFFF_FFFF:
            bytes.append(0xCE)
            appendBigEndian(UInt32(value))
        default:
            bytes.append(0xCF)
            appendBigEndian(value)
        }
    }

    /// A signed integer in its smallest form (non-negative values as unsigned, as go-msgpack does).
    public mutating func writeSigned(_ value: Int64) {
        if value >= 0 { return writeUnsigned(UInt64(value)) }
        switch value {
        case -32..<0:
            bytes.append(UInt8(bitPattern: Int8(value)))
        case -128 ..< -32:
            bytes.append(0xD0)
            bytes.append(UInt8(bitPattern: Int8(value)))
        case -32768 ..< -128:
            bytes.append(0xD1)
            appendBigEndian(UInt16(bitPattern: Int16(value)))
        case -2_147_483_648 ..< -32768:
            bytes.append(0xD2)
            appendBigEndian(UInt32(bitPattern: Int32(value)))
        default:
            bytes.append(0xD3)
            appendBigEndian(UInt64(bitPattern: value))
        }
    }

    /// A 64-bit float (`cb`).
    public mutating func writeDouble(_ value: Double) {
        bytes.append(0xCB)
        appendBigEndian(value.bitPattern)
    }

    /// A UTF-8 string.
    public mutating func writeString(_ value: String) {
        var value = value
        value.withUTF8 {
            writeStringHeader($0.count)
            bytes.append(contentsOf: $0)
        }
    }

    /// A byte string (Go `[]byte`): raw in ``Style/goMsgpackRaw``, bin in ``Style/modern``.
    public mutating func writeBytes(_ value: some Collection<UInt8>) {
        writeBytesHeader(value.count)
        bytes.append(contentsOf: value)
    }

    /// The header of a byte string of `count` bytes, in this writer's style.
    mutating func writeBytesHeader(_ count: Int) {
        switch style {
        case .goMsgpackRaw:
            writeStringHeader(count)
        case .modern:
            if count < 0x100 {
                bytes.append(0xC4)
                bytes.append(UInt8(count))
            } else if count < 0x1_0000 {
                bytes.append(0xC5)
                appendBigEndian(UInt16(count))
            } else {
                bytes.append(0xC6)
                appendBigEndian(UInt32(count))
            }
        }
    }

    /// A byte string that Go holds as a nil slice when empty: `c0` for empty, else ``writeBytes(_:)``.
    public mutating func writeBytesOrNil(_ value: some Collection<UInt8>) {
        if value.isEmpty { writeNil() } else { writeBytes(value) }
    }

    /// The header of an array of `count` elements.
    public mutating func writeArrayHeader(_ count: Int) {
        if count < 16 {
            bytes.append(0x90 | UInt8(count))
        } else if count < 0x1_0000 {
            bytes.append(0xDC)
            appendBigEndian(UInt16(count))
        } else {
            bytes.append(0xDD)
            appendBigEndian(UInt32(count))
        }
    }

    /// The header of a map of `count` pairs.
    public mutating func writeMapHeader(_ count: Int) {
        if count < 16 {
            bytes.append(0x80 | UInt8(count))
        } else if count < 0x1_0000 {
            bytes.append(0xDE)
            appendBigEndian(UInt16(count))
        } else {
            bytes.append(0xDF)
            appendBigEndian(UInt32(count))
        }
    }

    /// A map key (a struct field name): always a string.
    public mutating func writeKey(_ key: StaticString) {
        writeStringHeader(key.utf8CodeUnitCount)
        key.withUTF8Buffer { bytes.append(contentsOf: $0) }
    }

    /// Raw bytes, already encoded.
    public mutating func writeRaw(_ raw: some Sequence<UInt8>) { bytes.append(contentsOf: raw) }

    private mutating func writeStringHeader(_ count: Int) {
        if count < 32 {
            bytes.append(0xA0 | UInt8(count))
        } else if count < 0x100, style == .modern {
            bytes.append(0xD9)
            bytes.append(UInt8(count))
        } else if count < 0x1_0000 {
            bytes.append(0xDA)
            appendBigEndian(UInt16(count))
        } else {
            bytes.append(0xDB)
            appendBigEndian(UInt32(count))
        }
    }

    @inline(__always)
    mutating func appendBigEndian<T: FixedWidthInteger>(_ value: T) {
        var big = value.bigEndian
        withUnsafeBytes(of: &big) { bytes.append(contentsOf: $0) }
    }
}
