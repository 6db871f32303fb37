import MemberlistWire

/// Serf's tags in memberlist metadata (protocol ≥ 3): the magic byte `ff`, then a MessagePack map of strings.
/// Metadata that does not start with `ff` is an old node's role string, read as `["role": metadata]`.
public enum SerfTags {
    /// The byte that marks tags.
    public static let magicByte: UInt8 = 0xFF

    /// The metadata for `tags`, keys in byte-wise order (Go writes them in random order, so never compare
    /// metadata bytes to tell whether tags changed).
    public static func encode(_ tags: [String: String]) throws(WireError) -> [UInt8] {
        var writer = MessagePackWriter(capacity: 64)
        writer.writeRaw(CollectionOfOne(magicByte))
        encode(tags, into: &writer)
        guard writer.bytes.count <= MemberlistCodec.maximumMetadataSize else {
            throw .metadataTooLarge(size: writer.bytes.count, limit: MemberlistCodec.maximumMetadataSize)
        }
        return writer.bytes
    }

    /// The tags in `metadata` (for example a decoded alive's, a slice of its packet).
    public static func decode(_ metadata: ArraySlice<UInt8>) throws(WireError) -> [String: String] {
        try decode(Array(metadata))
    }

    /// The tags in `metadata`.
    public static func decode(_ metadata: [UInt8]) throws(WireError) -> [String: String] {
        guard metadata.first == magicByte else {
            return metadata.isEmpty ? [:] : ["role": String(decoding: metadata, as: UTF8.self)]
        }
        var reader = MessagePackReader(metadata, range: 1..<metadata.count)
        return try decodeMap(&reader)
    }

    static func encode(_ tags: [String: String], into writer: inout MessagePackWriter) {
        writer.writeMapHeader(tags.count)
        for (key, value) in tags.sorted(by: { Array($0.key.utf8).lexicographicallyPrecedes($1.key.utf8) }) {
            writer.writeString(key)
            writer.writeString(value)
        }
    }

    static func decodeMap(_ reader: inout MessagePackReader) throws(WireError) -> [String: String] {
        let count = try reader.readMapHeader()
        var tags: [String: String] = [:]
        for _ in 0..<count {
            let key = try reader.readString()
            tags[key] = try reader.readString()
        }
        return tags
    }
}
