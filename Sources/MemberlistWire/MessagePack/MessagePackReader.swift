import GossipCore

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Reads MessagePack from a byte array, accepting every form a Go peer may write: str8 and bin for strings and
/// byte strings, any integer width for any integer field, `nil` for an empty byte string, array or map.
///
/// Every read checks the remaining length first and throws ``WireError/truncated(context:needed:)`` rather than
/// reading past the end; lengths are never trusted beyond the bytes actually present, so a 4 GiB length field
/// costs nothing.
public struct MessagePackReader {
    /// How deep arrays and maps may nest in a value being skipped or read generically.
    public static let maximumDepth = 32

    /// The bytes being read.
    public let bytes: [UInt8]
    /// The next byte to read.
    public private(set) var position: Int
    /// One past the last byte this reader may read.
    public private(set) var end: Int

    /// The start of ``bytes`` while a ``reading(_:range:_:)`` scope holds them in place: reads then load
    /// straight from memory (every one still checked against ``end`` first).
    private let base: UnsafeRawPointer?

    /// A reader over `bytes[range]` (the whole array by default).
    public init(_ bytes: [UInt8], range: Range<Int>? = nil) {
        self.init(bytes, range: range, base: nil)
    }

    private init(_ bytes: [UInt8], range: Range<Int>?, base: UnsafeRawPointer?) {
        self.bytes = bytes
        let range = range ?? bytes.indices
        precondition(range.lowerBound >= 0 && range.upperBound <= bytes.count, "a reader's range lies within its bytes")
        position = range.lowerBound
        end = range.upperBound
        self.base = base
    }

    /// Runs `body` with a reader over `bytes[range]` that loads straight from the array's storage, which stays in
    /// place for the call: the fast way to decode a whole message.
    public static func reading<Result>(
        _ bytes: [UInt8], range: Range<Int>? = nil, _ body: (inout MessagePackReader) throws(WireError) -> Result
    ) throws(WireError) -> Result {
        let outcome = bytes.withUnsafeBytes { buffer in
            Swift.Result { () throws(WireError) -> Result in
                var reader = MessagePackReader(bytes, range: range, base: buffer.baseAddress)
                return try body(&reader)
            }
        }
        return try outcome.get()
    }

    /// Moves the reader onto `range` of the same bytes, as the packet layer does for each part of a compound.
    @inline(__always)
    mutating func move(to range: Range<Int>) {
        precondition(range.lowerBound >= 0 && range.upperBound <= bytes.count, "a reader's range lies within its bytes")
        position = range.lowerBound
        end = range.upperBound
    }

    /// The byte at `index` (within `0..<end`, checked by the caller).
    @inline(__always)
    func byte(at index: Int) -> UInt8 {
        if let base { return base.load(fromByteOffset: index, as: UInt8.self) }
        return bytes[index]
    }

    /// Bytes left.
    public var remaining: Int { end - position }

    /// `true` when every byte has been read.
    public var isAtEnd: Bool { position >= end }

    /// The next byte without consuming it.
    public func peek() throws(WireError) -> UInt8 {
        guard position < end else { throw .truncated(context: "a MessagePack value", needed: 1) }
        return byte(at: position)
    }

    /// Consumes `count` raw bytes and returns their range in ``bytes``.
    @inline(__always)
    public mutating func readRawRange(_ count: Int, context: StaticString) throws(WireError) -> Range<Int> {
        guard count >= 0, count <= remaining else {
            throw .truncated(context: "\(context)", needed: max(0, count - remaining))
        }
        let start = position
        position += count
        return start..<position
    }

    /// Consumes `count` raw bytes.
    public mutating func readRaw(_ count: Int, context: StaticString) throws(WireError) -> [UInt8] {
        Array(bytes[try readRawRange(count, context: context)])
    }

    @inline(__always)
    mutating func readByte(_ context: StaticString) throws(WireError) -> UInt8 {
        guard position < end else { throw .truncated(context: "\(context)", needed: 1) }
        defer { position += 1 }
        return byte(at: position)
    }

    @inline(__always)
    mutating func readBigEndian<T: FixedWidthInteger>(_: T.Type, _ context: StaticString) throws(WireError) -> T {
        let size = MemoryLayout<T>.size
        guard size <= remaining else { throw .truncated(context: "\(context)", needed: size - remaining) }
        let start = position
        position += size
        return bigEndian(at: start)
    }

    /// The big-endian integer at `index` (its bytes within `0..<end`, checked by the caller).
    @inline(__always)
    private func bigEndian<T: FixedWidthInteger>(at index: Int) -> T {
        if let base { return T(bigEndian: base.loadUnaligned(fromByteOffset: index, as: T.self)) }
        return bytes.withUnsafeBytes { T(bigEndian: $0.loadUnaligned(fromByteOffset: index, as: T.self)) }
    }

    /// Consumes a `nil` if one is next; returns whether it did.
    public mutating func readNilIfPresent() -> Bool {
        guard position < end, bytes[position] == 0xC0 else { return false }
        position += 1
        return true
    }

    /// A boolean.
    public mutating func readBool() throws(WireError) -> Bool {
        switch try readByte("a boolean") {
        case 0xC2: return false
        case 0xC3: return true
        case let other:
            position -= 1
            throw .unexpectedValue(expected: "a boolean", found: other)
        }
    }

    /// An integer of any width that is not negative.
    public mutating func readUnsigned() throws(WireError) -> UInt64 {
        let first = try readByte("an integer")
        switch first {
        case 0x00...0x7F: return UInt64(first)
        case 0xCC: return UInt64(try readBigEndian(UInt8.self, "a uint8"))
        case 0xCD: return UInt64(try readBigEndian(UInt16.self, "a uint16"))
        case 0xCE: return UInt64(try readBigEndian(UInt32.self, "a uint32"))
        case 0xCF: return try readBigEndian(UInt64.self, "a uint64")
        case 0xD0, 0xD1, 0xD2, 0xD3, 0xE0...0xFF:
            position -= 1
            let signed = try readSigned()
            guard signed >= 0 else { throw .integerOutOfRange(field: "a negative integer", type: "an unsigned field") }
            return UInt64(signed)
        default:
            position -= 1
            throw .unexpectedValue(expected: "an integer", found: first)
        }
    }

    /// An integer of any width that fits in 64 signed bits.
    public mutating func readSigned() throws(WireError) -> Int64 {
        let first = try readByte("an integer")
        switch first {
        case 0xE0...0xFF: return Int64(Int8(bitPattern: first))
        case 0xD0: return Int64(Int8(bitPattern: try readBigEndian(UInt8.self, "an int8")))
        case 0xD1: return Int64(Int16(bitPattern: try readBigEndian(UInt16.self, "an int16")))
        case 0xD2: return Int64(Int32(bitPattern: try readBigEndian(UInt32.self, "an int32")))
        case 0xD3: return Int64(bitPattern: try readBigEndian(UInt64.self, "an int64"))
        default:
            position -= 1
            let unsigned = try readUnsigned()
            guard unsigned <= UInt64(Int64.max) else {
                throw .integerOutOfRange(field: "a uint64 over 2^63", type: "a signed field")
            }
            return Int64(unsigned)
        }
    }

    /// An unsigned integer that must fit `T` (for example a port into `UInt16`).
    public mutating func readUnsigned<T: FixedWidthInteger & UnsignedInteger>(
        _: T.Type, field: StaticString
    ) throws(WireError) -> T {
        let value = try readUnsigned()
        guard let fitted = T(exactly: value) else { throw .integerOutOfRange(field: "\(field)", type: "\(T.self)") }
        return fitted
    }

    /// A float32 or float64 (an integer is accepted and converted).
    public mutating func readDouble() throws(WireError) -> Double {
        let first = try peek()
        switch first {
        case 0xCB:
            position += 1
            return Double(bitPattern: try readBigEndian(UInt64.self, "a float64"))
        case 0xCA:
            position += 1
            return Double(Float(bitPattern: try readBigEndian(UInt32.self, "a float32")))
        default:
            return Double(try readSigned())
        }
    }

    /// The range of a string or byte string in any form (fixstr, str8/16/32, bin8/16/32); `nil` reads as empty.
    @inline(__always)
    public mutating func readBytesRange() throws(WireError) -> Range<Int> {
        let first = try readByte("a byte string")
        let count: Int
        switch first {
        case 0xA0...0xBF: count = Int(first & 0x1F)
        case 0xD9, 0xC4: count = Int(try readBigEndian(UInt8.self, "a string length"))
        case 0xDA, 0xC5: count = Int(try readBigEndian(UInt16.self, "a string length"))
        case 0xDB, 0xC6: count = Int(try readBigEndian(UInt32.self, "a string length"))
        case 0xC0: return position..<position
        default:
            position -= 1
            throw .unexpectedValue(expected: "a string", found: first)
        }
        return try readRawRange(count, context: "a string")
    }

    /// A byte string (Go `[]byte`).
    public mutating func readBytes() throws(WireError) -> [UInt8] {
        Array(bytes[try readBytesRange()])
    }

    /// A byte string as a slice of the bytes being read: it shares their storage, and copies nothing.
    public mutating func readBytesSlice() throws(WireError) -> ArraySlice<UInt8> {
        bytes[try readBytesRange()]
    }

    /// An IP address from its 4 or 16 raw bytes.
    public mutating func readIPAddress(field: StaticString) throws(WireError) -> IPAddress {
        try ipAddress(in: try readBytesRange(), field: field)
    }

    private func ipAddress(in range: Range<Int>, field: StaticString) throws(WireError) -> IPAddress {
        switch range.count {
        case 4:
            return .v4(bigEndian(at: range.lowerBound))
        case 16:
            let high: UInt64 = bigEndian(at: range.lowerBound)
            let low: UInt64 = bigEndian(at: range.lowerBound + 8)
            // An IPv4-mapped IPv6 address is the IPv4 address, as IPAddress(bytes:) reads it.
            return high == 0 && low >> 32 == 0xFFFF ? .v4(UInt32(truncatingIfNeeded: low)) : .v6(high: high, low: low)
        default:
            throw .invalidField(name: "\(field)", reason: "an IP address is 4 or 16 bytes, not \(range.count)")
        }
    }

    /// An IP address, or `nil` when the field is empty.
    public mutating func readOptionalIPAddress(field: StaticString) throws(WireError) -> IPAddress? {
        let range = try readBytesRange()
        guard !range.isEmpty else { return nil }
        return try ipAddress(in: range, field: field)
    }

    /// A string; invalid UTF-8 is repaired with replacement characters rather than refused.
    public mutating func readString() throws(WireError) -> String {
        let range = try readBytesRange()
        if let base {
            let source = base + range.lowerBound
            let count = range.count
            if count <= 15 {
                // Short enough to live inside the String value: filled byte by byte (no call to memmove for a
                // few bytes) and validated as it is made, invalid UTF-8 repaired as `String(decoding:)` does.
                return String(unsafeUninitializedCapacity: count) { buffer in
                    for offset in 0..<count { buffer[offset] = source.load(fromByteOffset: offset, as: UInt8.self) }
                    return count
                }
            }
            return String(decoding: UnsafeRawBufferPointer(start: source, count: count), as: UTF8.self)
        }
        return bytes.withUnsafeBufferPointer {
            String(decoding: UnsafeBufferPointer(rebasing: $0[range]), as: UTF8.self)
        }
    }

    /// An array header: the element count (`nil` reads as an empty array).
    public mutating func readArrayHeader() throws(WireError) -> Int {
        let first = try readByte("an array")
        switch first {
        case 0x90...0x9F: return Int(first & 0x0F)
        case 0xDC: return Int(try readBigEndian(UInt16.self, "an array length"))
        case 0xDD: return Int(try readBigEndian(UInt32.self, "an array length"))
        case 0xC0: return 0
        default:
            position -= 1
            throw .unexpectedValue(expected: "an array", found: first)
        }
    }

    /// A map header: the pair count (`nil` reads as an empty map).
    public mutating func readMapHeader() throws(WireError) -> Int {
        let first = try readByte("a map")
        switch first {
        case 0x80...0x8F: return Int(first & 0x0F)
        case 0xDE: return Int(try readBigEndian(UInt16.self, "a map length"))
        case 0xDF: return Int(try readBigEndian(UInt32.self, "a map length"))
        case 0xC0: return 0
        default:
            position -= 1
            throw .unexpectedValue(expected: "a map", found: first)
        }
    }

    /// Skips one value of any kind, however nested (up to ``maximumDepth``).
    public mutating func skipValue() throws(WireError) {
        try skipValue(depth: 0)
    }

    private mutating func skipValue(depth: Int) throws(WireError) {
        guard depth < Self.maximumDepth else { throw .nestingTooDeep(limit: Self.maximumDepth) }
        let first = try peek()
        switch first {
        case 0x00...0x7F, 0xE0...0xFF, 0xC0, 0xC2, 0xC3:
            position += 1
        case 0xCC, 0xD0: _ = try readRawRange(2, context: "an integer")
        case 0xCD, 0xD1: _ = try readRawRange(3, context: "an integer")
        case 0xCE, 0xD2, 0xCA: _ = try readRawRange(5, context: "a number")
        case 0xCF, 0xD3, 0xCB: _ = try readRawRange(9, context: "a number")
        case 0xA0...0xBF, 0xD9, 0xDA, 0xDB, 0xC4, 0xC5, 0xC6: _ = try readBytesRange()
        case 0x90...0x9F, 0xDC, 0xDD:
            let count = try readArrayHeader()
            for _ in 0..<count { try skipValue(depth: depth + 1) }
        case 0x80...0x8F, 0xDE, 0xDF:
            let count = try readMapHeader()
            for _ in 0..<count {
                try skipValue(depth: depth + 1)
                try skipValue(depth: depth + 1)
            }
        case 0xD4: _ = try readRawRange(3, context: "an extension")
        case 0xD5: _ = try readRawRange(4, context: "an extension")
        case 0xD6: _ = try readRawRange(6, context: "an extension")
        case 0xD7: _ = try readRawRange(10, context: "an extension")
        case 0xD8: _ = try readRawRange(18, context: "an extension")
        case 0xC7, 0xC8, 0xC9:
            position += 1
            let count: Int
            switch first {
            case 0xC7: count = Int(try readBigEndian(UInt8.self, "an extension length"))
            case 0xC8: count = Int(try readBigEndian(UInt16.self, "an extension length"))
            default: count = Int(try readBigEndian(UInt32.self, "an extension length"))
            }
            _ = try readRawRange(count + 1, context: "an extension")
        default:
            throw .unexpectedValue(expected: "a MessagePack value", found: first)
        }
    }

    /// Reads a map of struct fields: for each key, `field` reads the value of a known key and returns `true`, or
    /// returns `false` and the value is skipped (unknown keys are ignored, as go-msgpack does).
    public mutating func readFields(
        _ field: (FieldKey, inout MessagePackReader) throws(WireError) -> Bool
    ) throws(WireError) {
        let count = try readMapHeader()
        for _ in 0..<count {
            let key = try readFieldKey()
            if try !field(key, &self) {
                try skipValue()
            }
        }
    }

    /// Consumes `name` as the next map key if it is there written as memberlist writes keys (a fixstr); returns
    /// whether it did (never outside a ``reading(_:range:_:)`` scope). Decoders use it to follow memberlist's own
    /// field order on a fast path, and fall back to ``readFields(_:)`` at the first surprise.
    @inline(__always)
    public mutating func consumeKey(_ name: StaticString) -> Bool {
        let count = name.utf8CodeUnitCount
        guard let base, count < 32, position + count < end,
            base.load(fromByteOffset: position, as: UInt8.self) == 0xA0 | UInt8(count),
            memcmp(base + position + 1, name.utf8Start, count) == 0
        else { return false }
        position += count + 1
        return true
    }

    /// Consumes a map header of exactly `count` pairs in its one-byte form; returns whether it did.
    @inline(__always)
    public mutating func consumeMapHeader(_ count: Int) -> Bool {
        guard count < 16, position < end, byte(at: position) == 0x80 | UInt8(count) else { return false }
        position += 1
        return true
    }

    /// Goes back to `position`, one this reader passed, to read again from there.
    public mutating func rewind(to position: Int) {
        precondition(position <= self.position && position >= 0, "a reader rewinds to a position it passed")
        self.position = position
    }

    /// Goes back to `position` and returns `nil`: how a fast path gives up.
    public mutating func rewound<Value>(to position: Int) -> Value? {
        rewind(to: position)
        return nil
    }

    /// A map key, packed for comparison without building a `String`.
    public mutating func readFieldKey() throws(WireError) -> FieldKey {
        let range = try readBytesRange()
        let count = range.count
        guard count <= 16 else { return FieldKey(low: 0, high: 0, count: -1) }
        // The range lies within `bytes` (readBytesRange checked it): read it without per-byte bounds checks, as
        // two whole words when 16 bytes can be loaded from its start (almost always), masked to its length.
        if let base { return Self.fieldKey(UnsafeRawBufferPointer(start: base, count: bytes.count), range) }
        return bytes.withUnsafeBytes { Self.fieldKey($0, range) }
    }

    @inline(__always)
    private static func fieldKey(_ buffer: UnsafeRawBufferPointer, _ range: Range<Int>) -> FieldKey {
        let start = range.lowerBound
        let count = range.count
        var low: UInt64 = 0
        var high: UInt64 = 0
        if buffer.count - start >= 16 {
            low = UInt64(littleEndian: buffer.loadUnaligned(fromByteOffset: start, as: UInt64.self))
            high = UInt64(littleEndian: buffer.loadUnaligned(fromByteOffset: start + 8, as: UInt64.self))
            if count < 8 { low &= (1 &<< UInt64(8 * count)) &- 1 }
            high = count <= 8 ? 0 : count < 16 ? high & ((1 &<< UInt64(8 * (count - 8))) &- 1) : high
        } else {
            for offset in 0..<count {
                let byte = UInt64(buffer[start + offset])
                if offset < 8 { low |= byte << (8 * offset) } else { high |= byte << (8 * (offset - 8)) }
            }
        }
        return FieldKey(low: low, high: high, count: count)
    }
}

/// A struct field name read from a map, compared against literal names with `switch key { case "Node": … }`.
/// Names longer than 16 bytes (none in memberlist or Serf) match nothing and are skipped.
public struct FieldKey: Hashable, Sendable {
    @usableFromInline let low: UInt64
    @usableFromInline let high: UInt64
    @usableFromInline let count: Int

    @usableFromInline
    init(low: UInt64, high: UInt64, count: Int) {
        self.low = low
        self.high = high
        self.count = count
    }

    /// `true` when the key is `name`. Compares byte by byte and stops at the first difference, which for two
    /// field names of one length is almost always the first byte.
    @inlinable @inline(__always)
    public static func ~= (name: StaticString, key: FieldKey) -> Bool {
        guard name.utf8CodeUnitCount == key.count else { return false }
        let start = name.utf8Start
        for offset in 0..<key.count {
            let word = offset < 8 ? key.low >> (8 * UInt64(offset)) : key.high >> (8 * UInt64(offset - 8))
            guard UInt8(truncatingIfNeeded: word) == start[offset] else { return false }
        }
        return true
    }

    /// `true` when the key is `name`.
    @inlinable
    public static func == (key: FieldKey, name: StaticString) -> Bool { name ~= key }
}
