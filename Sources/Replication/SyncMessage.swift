extension Replication {
    /// The longest key a replica accepts, in bytes.
    public static let maximumKeyBytes = 1_024
    /// The longest value a replica accepts, in bytes.
    public static let maximumValueBytes = 64 * 1_024

    /// A key with its latest entry: what a rumor, a fetch or a push carries.
    public struct KeyedEntry: Sendable, Hashable {
        /// The key.
        public var key: String
        /// Its value (or tombstone) and timestamp.
        public var entry: LWWMap.Entry

        /// A keyed entry.
        public init(_ key: String, _ entry: LWWMap.Entry) {
            self.key = key
            self.entry = entry
        }
    }

    /// A key with the timestamp of its latest entry: what a bucket listing carries.
    public struct Digest: Sendable, Hashable {
        /// The key.
        public var key: String
        /// The timestamp of its latest entry.
        public var timestamp: Timestamp

        /// A digest.
        public init(_ key: String, _ timestamp: Timestamp) {
            self.key = key
            self.timestamp = timestamp
        }
    }

    /// The messages of replication: update rumors on the gossip path, and the requests and replies of an
    /// anti-entropy exchange (see ``AntiEntropyInitiator`` and ``Replica/answer(_:)``).
    ///
    /// Binary, little-endian: a tag byte, then the case's fields; lists are a 32-bit count and their items; a
    /// key is a 16-bit length and UTF-8; a timestamp is 16 bytes (milliseconds, logical, node); an entry adds a
    /// byte telling a value from a tombstone and, for a value, a 32-bit length and its bytes. Decoding checks
    /// every length against the bytes that remain and the limits, so a hostile message is refused with a
    /// ``SyncMessageError`` before anything large is allocated.
    public enum SyncMessage: Sendable, Hashable {
        /// Request: the root hash of a tree of `depth` levels.
        case rootRequest(depth: UInt8)
        /// Request: the hashes of both children of each parent (heap indices), in order.
        case childrenRequest(depth: UInt8, parents: [UInt32])
        /// Request: the digests of every entry in the given buckets.
        case digestsRequest(depth: UInt8, buckets: [UInt32])
        /// Request: the entries of these keys.
        case fetch(keys: [String])
        /// Request: take these entries (the initiator's newer ones).
        case push([KeyedEntry])
        /// Reply: hashes, in the order asked.
        case hashes([UInt64])
        /// Reply: digests of the asked buckets' entries.
        case digests([Digest])
        /// Reply: the entries asked for (keys the responder does not hold are left out).
        case entries([KeyedEntry])
        /// Reply: a push was taken; the number of entries that were newer.
        case accepted(UInt32)
        /// Reply: the request was refused, and why.
        case refused(String)
        /// Gossip: updates spreading by rumor mongering.
        case rumor([KeyedEntry])

        enum Tag: UInt8 {
            case rootRequest = 1
            case childrenRequest
            case digestsRequest
            case fetch
            case push
            case hashes
            case digests
            case entries
            case accepted
            case refused
            case rumor
        }

        /// The message's bytes.
        public func encode() -> [UInt8] {
            var writer = SyncWriter()
            switch self {
            case .rootRequest(let depth):
                writer.bytes = [Tag.rootRequest.rawValue, depth]
            case .childrenRequest(let depth, let parents):
                writer.bytes = [Tag.childrenRequest.rawValue, depth]
                writer.list(parents) { $0.integer($1) }
            case .digestsRequest(let depth, let buckets):
                writer.bytes = [Tag.digestsRequest.rawValue, depth]
                writer.list(buckets) { $0.integer($1) }
            case .fetch(let keys):
                writer.bytes = [Tag.fetch.rawValue]
                writer.list(keys) { $0.key($1) }
            case .push(let entries):
                writer.bytes = [Tag.push.rawValue]
                writer.list(entries) { $0.keyedEntry($1) }
            case .hashes(let hashes):
                writer.bytes = [Tag.hashes.rawValue]
                writer.list(hashes) { $0.integer($1) }
            case .digests(let digests):
                writer.bytes = [Tag.digests.rawValue]
                writer.list(digests) {
                    $0.key($1.key)
                    $0.timestamp($1.timestamp)
                }
            case .entries(let entries):
                writer.bytes = [Tag.entries.rawValue]
                writer.list(entries) { $0.keyedEntry($1) }
            case .accepted(let count):
                writer.bytes = [Tag.accepted.rawValue]
                writer.integer(count)
            case .refused(let reason):
                writer.bytes = [Tag.refused.rawValue]
                writer.key(String(reason.utf8.prefix(Replication.maximumKeyBytes)) ?? "refused")
            case .rumor(let entries):
                writer.bytes = [Tag.rumor.rawValue]
                writer.list(entries) { $0.keyedEntry($1) }
            }
            return writer.bytes
        }

        /// Decodes a message, or explains what is wrong with the bytes.
        public init(decoding bytes: some Collection<UInt8>) throws(SyncMessageError) {
            var reader = SyncReader(Array(bytes))
            let raw = try reader.byte("tag")
            guard let tag = Tag(rawValue: raw) else { throw .unknownTag(raw) }
            switch tag {
            case .rootRequest:
                self = .rootRequest(depth: try reader.byte("depth"))
            case .childrenRequest:
                let depth = try reader.byte("depth")
                self = .childrenRequest(depth: depth, parents: try reader.list(of: UInt32.self))
            case .digestsRequest:
                let depth = try reader.byte("depth")
                self = .digestsRequest(depth: depth, buckets: try reader.list(of: UInt32.self))
            case .fetch:
                self = .fetch(keys: try reader.list(of: String.self))
            case .push:
                self = .push(try reader.list(of: KeyedEntry.self))
            case .hashes:
                self = .hashes(try reader.list(of: UInt64.self))
            case .digests:
                self = .digests(try reader.list(of: Digest.self))
            case .entries:
                self = .entries(try reader.list(of: KeyedEntry.self))
            case .accepted:
                self = .accepted(try reader.uint32())
            case .refused:
                self = .refused(try reader.key())
            case .rumor:
                self = .rumor(try reader.list(of: KeyedEntry.self))
            }
            guard reader.isAtEnd else { throw .trailingBytes(reader.remaining) }
        }

        /// The encoded size of one keyed entry, to fill a message up to a budget.
        public static func encodedSize(of entry: KeyedEntry) -> Int {
            2 + entry.key.utf8.count + 16 + 1 + (entry.entry.value.map { 4 + $0.count } ?? 0)
        }

        /// The bytes of a list message's tag and count.
        public static let listHeaderBytes = 5
    }

    /// Why bytes are not a ``SyncMessage``.
    public enum SyncMessageError: Error, Hashable, Sendable, CustomStringConvertible {
        /// The bytes end before the named field.
        case truncated(field: String)
        /// The first byte is not a known message.
        case unknownTag(UInt8)
        /// A list claims more items than its bytes could hold.
        case countTooLarge(Int)
        /// A key or value over the replica's limits.
        case tooLarge(field: String, size: Int, limit: Int)
        /// A key that is not UTF-8.
        case invalidKey
        /// An entry marker other than 0 (tombstone) or 1 (value).
        case invalidEntryMarker(UInt8)
        /// Bytes after the end of the message.
        case trailingBytes(Int)

        /// A sentence for logs.
        public var description: String {
            switch self {
            case .truncated(let field): return "replication message ends before its \(field)"
            case .unknownTag(let tag): return "unknown replication message type \(tag)"
            case .countTooLarge(let count): return "replication message claims \(count) items, more than it holds"
            case .tooLarge(let field, let size, let limit):
                return "\(field) of \(size) bytes is over the limit of \(limit)"
            case .invalidKey: return "replication message carries a key that is not UTF-8"
            case .invalidEntryMarker(let marker): return "replication entry marker \(marker) is neither 0 nor 1"
            case .trailingBytes(let count): return "replication message has \(count) bytes after its end"
            }
        }
    }
}

/// Appends the fields of a ``Replication/SyncMessage``.
struct SyncWriter {
    var bytes: [UInt8] = []

    mutating func integer<T: FixedWidthInteger>(_ value: T) {
        withUnsafeBytes(of: value.littleEndian) { bytes += $0 }
    }

    mutating func key(_ key: String) {
        integer(UInt16(clamping: key.utf8.count))
        bytes += key.utf8.prefix(Int(UInt16.max))
    }

    mutating func timestamp(_ timestamp: Replication.Timestamp) {
        integer(timestamp.milliseconds)
        integer(timestamp.logical)
        integer(timestamp.node)
    }

    mutating func keyedEntry(_ item: Replication.KeyedEntry) {
        key(item.key)
        timestamp(item.entry.timestamp)
        if let value = item.entry.value {
            bytes.append(1)
            integer(UInt32(value.count))
            bytes += value
        } else {
            bytes.append(0)
        }
    }

    mutating func list<Item>(_ items: [Item], _ write: (inout SyncWriter, Item) -> Void) {
        integer(UInt32(items.count))
        for item in items { write(&self, item) }
    }
}

/// Reads the fields of a ``Replication/SyncMessage`` with every length checked.
struct SyncReader {
    let bytes: [UInt8]
    var offset = 0

    init(_ bytes: [UInt8]) { self.bytes = bytes }

    var remaining: Int { bytes.count - offset }
    var isAtEnd: Bool { offset == bytes.count }

    mutating func byte(_ field: String) throws(Replication.SyncMessageError) -> UInt8 {
        guard remaining >= 1 else { throw .truncated(field: field) }
        defer { offset += 1 }
        return bytes[offset]
    }

    mutating func integer<T: FixedWidthInteger>(_: T.Type, _ field: String) throws(Replication.SyncMessageError) -> T {
        let size = MemoryLayout<T>.size
        guard remaining >= size else { throw .truncated(field: field) }
        var value: T = 0
        for index in 0..<size { value |= T(bytes[offset + index]) << (8 * index) }
        offset += size
        return value
    }

    mutating func uint32() throws(Replication.SyncMessageError) -> UInt32 { try integer(UInt32.self, "32-bit integer") }
    mutating func uint64() throws(Replication.SyncMessageError) -> UInt64 { try integer(UInt64.self, "hash") }

    mutating func key() throws(Replication.SyncMessageError) -> String {
        let length = Int(try integer(UInt16.self, "key length"))
        guard length <= Replication.maximumKeyBytes else {
            throw .tooLarge(field: "key", size: length, limit: Replication.maximumKeyBytes)
        }
        guard remaining >= length else { throw .truncated(field: "key") }
        defer { offset += length }
        guard let key = String(validating: bytes[offset..<(offset + length)], as: UTF8.self) else { throw .invalidKey }
        return key
    }

    mutating func timestamp() throws(Replication.SyncMessageError) -> Replication.Timestamp {
        Replication.Timestamp(
            milliseconds: try integer(UInt64.self, "timestamp"), logical: try integer(UInt32.self, "timestamp"),
            node: try integer(UInt32.self, "timestamp"))
    }

    mutating func keyedEntry() throws(Replication.SyncMessageError) -> Replication.KeyedEntry {
        let key = try key()
        let timestamp = try timestamp()
        let marker = try byte("entry marker")
        switch marker {
        case 0:
            return Replication.KeyedEntry(key, .init(value: nil, timestamp: timestamp))
        case 1:
            let length = Int(try uint32())
            guard length <= Replication.maximumValueBytes else {
                throw .tooLarge(field: "value", size: length, limit: Replication.maximumValueBytes)
            }
            guard remaining >= length else { throw .truncated(field: "value") }
            defer { offset += length }
            return Replication.KeyedEntry(
                key, .init(value: Array(bytes[offset..<(offset + length)]), timestamp: timestamp))
        default:
            throw .invalidEntryMarker(marker)
        }
    }

    mutating func list<Item: SyncReadable>(of _: Item.Type) throws(Replication.SyncMessageError) -> [Item] {
        let count = Int(try uint32())
        guard count <= remaining / Item.minimumEncodedBytes else { throw .countTooLarge(count) }
        var items: [Item] = []
        items.reserveCapacity(count)
        for _ in 0..<count { items.append(try Item(from: &self)) }
        return items
    }
}

/// An item of a ``Replication/SyncMessage`` list.
protocol SyncReadable {
    /// The fewest bytes an item takes, to refuse a count its message cannot hold.
    static var minimumEncodedBytes: Int { get }
    init(from reader: inout SyncReader) throws(Replication.SyncMessageError)
}

extension UInt32: SyncReadable {
    static var minimumEncodedBytes: Int { 4 }
    init(from reader: inout SyncReader) throws(Replication.SyncMessageError) { self = try reader.uint32() }
}

extension UInt64: SyncReadable {
    static var minimumEncodedBytes: Int { 8 }
    init(from reader: inout SyncReader) throws(Replication.SyncMessageError) { self = try reader.uint64() }
}

extension String: SyncReadable {
    static var minimumEncodedBytes: Int { 2 }
    init(from reader: inout SyncReader) throws(Replication.SyncMessageError) { self = try reader.key() }
}

extension Replication.KeyedEntry: SyncReadable {
    static var minimumEncodedBytes: Int { 19 }
    init(from reader: inout SyncReader) throws(Replication.SyncMessageError) { self = try reader.keyedEntry() }
}

extension Replication.Digest: SyncReadable {
    static var minimumEncodedBytes: Int { 18 }
    init(from reader: inout SyncReader) throws(Replication.SyncMessageError) {
        self.init(try reader.key(), try reader.timestamp())
    }
}
