import GossipCore
import SWIM

/// The UDP packet layers of memberlist 0.2.2 (spec §1.5), both ways.
///
/// Sending: one message alone or several as a compound (split into several packets past 127 parts), LZW
/// compression when it makes the packet smaller, the CRC-32 wrapper for peers of protocol 5, then AES-GCM
/// sealing with the keyring's primary key. Receiving undoes each layer, recursing through CRC, compression
/// and compound parts; a bad part of a compound is reported without losing the good ones.
public struct PacketCodec: Sendable {
    /// Encrypts outgoing and decrypts incoming packets when set.
    public var keyring: Keyring?
    /// Compresses outgoing packets when that makes them smaller (memberlist's `EnableCompression`). Default: `true`.
    public var compression = true
    /// Refuses plaintext packets when a keyring is set (memberlist's `GossipVerifyIncoming`). Default: `true`.
    public var requireEncryption = true
    /// Encrypts outgoing packets when a keyring is set (memberlist's `GossipVerifyOutgoing`). Default: `true`.
    public var encryptOutgoing = true
    /// Largest inflated size accepted from a compressed packet. Default: 1 MiB (a datagram is at most 64 KiB).
    public var maximumInflatedSize = 1 << 20

    /// How deep compound, compress and CRC layers may nest in one packet.
    static let maximumNesting = 4

    /// A codec without encryption.
    public init(keyring: Keyring? = nil) {
        self.keyring = keyring
    }

    /// What one received datagram held.
    public struct DecodedPacket: Sendable, Hashable {
        /// The messages, in order.
        public var messages: [SWIM.Message] = []
        /// Why some compound parts were dropped (the other parts are in ``messages``).
        public var partErrors: [WireError] = []
        /// Compound parts cut short by the end of the datagram.
        public var truncatedParts = 0
        /// Whether the packet was encrypted.
        public var wasEncrypted = false
        /// Whether it carried a CRC (checked).
        public var hadChecksum = false
        /// Whether it was compressed.
        public var wasCompressed = false

        /// An empty result, to decode into with ``PacketCodec/decode(_:into:)``.
        public init() {}
    }

    /// The datagrams that carry `messages`: one unless more than 127 parts had to be split. `addChecksum` adds
    /// the CRC wrapper (memberlist adds it for known destinations whose protocol maximum is 5 or more).
    public func encode(
        _ messages: [SWIM.Message], addChecksum: Bool, using rng: inout some RandomNumberGenerator
    ) -> [[UInt8]] {
        guard !messages.isEmpty else { return [] }
        var payloads: [[UInt8]] = []
        if messages.count == 1 {
            payloads.append(MemberlistCodec.encode(messages[0]))
        } else {
            var start = 0
            while start < messages.count {
                let chunk = messages[start..<min(messages.count, start + Compound.maximumParts)]
                start += chunk.count
                if chunk.count == 1 {
                    payloads.append(MemberlistCodec.encode(chunk[chunk.startIndex]))
                } else {
                    // Parts are non-empty (each has its type byte) and few, so this cannot fail.
                    payloads.append(try! Compound.encode(chunk.map(MemberlistCodec.encode)))
                }
            }
        }
        return payloads.map { wrap($0, addChecksum: addChecksum, using: &rng) }
    }

    /// Applies the compression, CRC and encryption layers to an encoded payload.
    public func wrap(_ payload: [UInt8], addChecksum: Bool, using rng: inout some RandomNumberGenerator) -> [UInt8] {
        var packet = payload
        if compression {
            let compressed = Self.compressMessage(payload)
            if compressed.count < packet.count { packet = compressed }
        }
        if addChecksum {
            let crc = CRC32.checksum(packet)
            packet =
                [
                    MessageType.hasCRC.rawValue, UInt8(crc >> 24), UInt8(crc >> 16 & 0xFF), UInt8(crc >> 8 & 0xFF),
                    UInt8(crc & 0xFF),
                ] + packet
        }
        if let keyring, encryptOutgoing {
            packet = keyring.seal(packet, using: &rng)
        }
        return packet
    }

    /// A `compress` message (`09` · {Algo: 0, Buf: LZW bytes}) holding `payload`.
    public static func compressMessage(_ payload: [UInt8]) -> [UInt8] {
        var writer = MessagePackWriter(capacity: payload.count)
        writer.writeRaw(CollectionOfOne(MessageType.compress.rawValue))
        writer.writeMapHeader(2)
        writer.writeKey("Algo")
        writer.writeUnsigned(0)
        writer.writeKey("Buf")
        writer.writeBytes(LZW.compress(payload))
        return writer.bytes
    }

    /// The inflated contents of the `compress` message in `bytes[range]` (its type byte first).
    public static func inflate(_ bytes: [UInt8], range: Range<Int>, limit: Int) throws(WireError) -> [UInt8] {
        var reader = MessagePackReader(bytes, range: (range.lowerBound + 1)..<range.upperBound)
        var algorithm: UInt64 = 0
        var buffer: Range<Int> = 0..<0
        try reader.readFields { (key, reader) throws(WireError) in
            switch key {
            case "Algo": algorithm = try reader.readUnsigned()
            case "Buf": buffer = try reader.readBytesRange()
            default: return false
            }
            return true
        }
        guard algorithm == 0 else { throw .unsupportedCompression(algorithm: algorithm) }
        return try LZW.decompress(bytes[buffer], limit: limit)
    }

    /// Decodes one received datagram.
    public func decode(_ datagram: [UInt8]) throws(WireError) -> DecodedPacket {
        var packet = DecodedPacket()
        try decodeLayers(datagram, into: &packet)
        return packet
    }

    /// Decodes one received datagram into `packet`, replacing what it held but keeping the storage of its
    /// arrays: a receive loop that keeps one ``DecodedPacket`` decodes typical packets without allocating.
    public func decode(_ datagram: [UInt8], into packet: inout DecodedPacket) throws(WireError) {
        packet.messages.removeAll(keepingCapacity: true)
        packet.partErrors.removeAll(keepingCapacity: true)
        packet.truncatedParts = 0
        packet.wasEncrypted = false
        packet.hadChecksum = false
        packet.wasCompressed = false
        try decodeLayers(datagram, into: &packet)
    }

    /// Decrypts when a keyring is set, then decodes every layer into `packet`, which holds nothing yet.
    private func decodeLayers(_ datagram: [UInt8], into packet: inout DecodedPacket) throws(WireError) {
        var plaintext = datagram
        if let keyring {
            do {
                plaintext = try keyring.open(datagram)
                packet.wasEncrypted = true
            } catch {
                if requireEncryption { throw error }
            }
        }
        try MessagePackReader.reading(plaintext) { (reader) throws(WireError) in
            try decodeLayer(&reader, range: plaintext.indices, depth: 0, into: &packet)
        }
    }

    /// Decodes the layer in `range` of the reader's bytes: the reader moves from part to part, and each message is
    /// read straight from the packet.
    private func decodeLayer(
        _ reader: inout MessagePackReader, range: Range<Int>, depth: Int, into packet: inout DecodedPacket
    ) throws(WireError) {
        guard let first = range.first else { throw .emptyMessage }
        guard depth < Self.maximumNesting else { throw .nestingTooDeep(limit: Self.maximumNesting) }
        switch reader.byte(at: first) {
        case MessageType.hasCRC.rawValue:
            let bytes = reader.bytes
            guard range.count >= 5 else { throw .truncated(context: "a CRC header", needed: 5 - range.count) }
            let expected = bytes[(first + 1)..<(first + 5)].reduce(UInt32(0)) { $0 << 8 | UInt32($1) }
            let computed = CRC32.checksum(bytes[(first + 5)..<range.upperBound])
            guard expected == computed else { throw .checksumMismatch(expected: expected, computed: computed) }
            packet.hadChecksum = true
            try decodeLayer(&reader, range: (first + 5)..<range.upperBound, depth: depth + 1, into: &packet)
        case MessageType.compress.rawValue:
            packet.wasCompressed = true
            let inflated = try Self.inflate(reader.bytes, range: range, limit: maximumInflatedSize)
            try MessagePackReader.reading(inflated) { (inner) throws(WireError) in
                try decodeLayer(&inner, range: inflated.indices, depth: depth + 1, into: &packet)
            }
        case MessageType.compound.rawValue:
            let bytes = reader.bytes
            if range.count >= 2 { packet.messages.reserveCapacity(packet.messages.count + Int(bytes[first + 1])) }
            packet.truncatedParts += try Compound.forEachPart(of: bytes, range: range) { part in
                do throws(WireError) {
                    try decodeLayer(&reader, range: part, depth: depth + 1, into: &packet)
                } catch {
                    packet.partErrors.append(error)
                }
            }
        default:
            reader.move(to: range)
            packet.messages.append(try MemberlistCodec.decode(&reader))
        }
    }
}
