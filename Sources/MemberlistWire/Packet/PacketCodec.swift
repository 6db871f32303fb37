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
        var datagrams: [[UInt8]] = []
        var start = 0
        while start < messages.count {
            // Up to 127 messages a compound; a user message too long for a compound part travels alone.
            var end = start + 1
            if !Self.travelsAlone(messages[start]) {
                while end < messages.count, end - start < Compound.maximumParts, !Self.travelsAlone(messages[end]) {
                    end += 1
                }
            }
            datagrams.append(wrap(Self.payload(messages[start..<end]), addChecksum: addChecksum, using: &rng))
            start = end
        }
        return datagrams
    }

    /// A user message whose encoding is longer than a compound part may be (65,535 bytes).
    private static func travelsAlone(_ message: SWIM.Message) -> Bool {
        if case .user(let payload) = message { payload.count >= Int(UInt16.max) } else { false }
    }

    /// `messages` (1 to 127, each short enough to be a compound part) as one payload: the message alone, or a
    /// compound written into one buffer, each part's length filled in once the part is written.
    static func payload(_ messages: ArraySlice<SWIM.Message>) -> [UInt8] {
        guard messages.count > 1 else { return MemberlistCodec.encode(messages[messages.startIndex]) }
        var writer = MessagePackWriter(capacity: 2 + 2 * messages.count + 160 * messages.count)
        writer.writeRaw(CollectionOfOne(MessageType.compound.rawValue))
        writer.writeRaw(CollectionOfOne(UInt8(messages.count)))
        writer.writeRaw(repeatElement(0, count: 2 * messages.count))
        for (index, message) in messages.enumerated() {
            let partStart = writer.bytes.count
            MemberlistCodec.encode(message, into: &writer)
            let length = writer.bytes.count - partStart
            writer.bytes[2 + 2 * index] = UInt8(truncatingIfNeeded: length >> 8)
            writer.bytes[3 + 2 * index] = UInt8(truncatingIfNeeded: length)
        }
        return writer.bytes
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
            var framed: [UInt8] = []
            framed.reserveCapacity(5 + packet.count)
            framed.append(MessageType.hasCRC.rawValue)
            framed.append(UInt8(truncatingIfNeeded: crc >> 24))
            framed.append(UInt8(truncatingIfNeeded: crc >> 16))
            framed.append(UInt8(truncatingIfNeeded: crc >> 8))
            framed.append(UInt8(truncatingIfNeeded: crc))
            framed.append(contentsOf: packet)
            packet = framed
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
