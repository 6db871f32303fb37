import SWIM

/// memberlist's stream framing (spec §1.10), both ways: the message, then LZW compression of the whole when
/// enabled, then AES-GCM sealing as `0a · uint32 length · sealed bytes` with those 5 bytes as additional data.
///
/// Unencrypted streams carry no length, so ``decode(_:)`` reads as far as the bytes go and answers `nil` when
/// it needs more; the shell keeps reading until a message is complete, the size limit is reached, or its
/// deadline passes.
public struct StreamCodec: Sendable {
    /// Encrypts and requires encryption when set.
    public var keyring: Keyring?
    /// Compresses outgoing messages (memberlist's `EnableCompression`). Default: `true`.
    public var compression = true
    /// Refuses plaintext streams when a keyring is set. Default: `true`.
    public var requireEncryption = true
    /// Largest stream accepted, sealed or inflated. Default: 20 MiB (memberlist's `maxPushStateBytes`).
    public var maximumStreamSize = 20 << 20
    /// Most members accepted in one push-pull. Default: 1,048,576 (memberlist 0.6's limit).
    public var maximumPushPullNodes = 1 << 20

    /// A codec, encrypting when `keyring` is given.
    public init(keyring: Keyring? = nil) {
        self.keyring = keyring
    }

    // MARK: - Encoding

    /// The bytes to write for `message`.
    public func encode(_ message: StreamMessage, using rng: inout some RandomNumberGenerator) -> [UInt8] {
        var payload = Self.encodePlain(message)
        if compression {
            payload = PacketCodec.compressMessage(payload)
        }
        guard let keyring else { return payload }
        let length = UInt32(payload.count + Keyring.overhead)
        let header: [UInt8] = [
            MessageType.encrypt.rawValue, UInt8(length >> 24), UInt8(length >> 16 & 0xFF), UInt8(length >> 8 & 0xFF),
            UInt8(length & 0xFF),
        ]
        return header + keyring.seal(payload, additionalData: header, using: &rng)
    }

    /// The message without compression or encryption, its type byte first.
    public static func encodePlain(_ message: StreamMessage) -> [UInt8] {
        var writer = MessagePackWriter(capacity: 512)
        switch message {
        case .pushPull(let state):
            writer.writeRaw(CollectionOfOne(MessageType.pushPull.rawValue))
            writer.writeMapHeader(3)
            writer.writeKey("Join")
            writer.writeBool(state.join)
            writer.writeKey("Nodes")
            writer.writeUnsigned(UInt64(state.nodes.count))
            writer.writeKey("UserStateLen")
            writer.writeUnsigned(UInt64(state.userState.count))
            for node in state.nodes { node.encode(into: &writer) }
            writer.writeRaw(state.userState)
        case .ping(let ping):
            MemberlistCodec.encode(.ping(ping), into: &writer)
        case .ack(let ack):
            MemberlistCodec.encode(.ack(ack), into: &writer)
        case .user(let bytes):
            writer.writeRaw(CollectionOfOne(MessageType.user.rawValue))
            writer.writeMapHeader(1)
            writer.writeKey("UserMsgLen")
            writer.writeUnsigned(UInt64(bytes.count))
            writer.writeRaw(bytes)
        case .error(let text):
            writer.writeRaw(CollectionOfOne(MessageType.error.rawValue))
            writer.writeMapHeader(1)
            writer.writeKey("Error")
            writer.writeString(text)
        }
        return writer.bytes
    }

    // MARK: - Decoding

    /// The first message in `bytes` and how many bytes it took, or `nil` when the bytes end before it does.
    public func decode(_ bytes: [UInt8]) throws(WireError) -> (message: StreamMessage, consumed: Int)? {
        guard let first = bytes.first else { return nil }
        if first == MessageType.encrypt.rawValue {
            guard let keyring else { throw .invalidField(name: "stream", reason: "encrypted, but no keyring is set") }
            guard bytes.count >= 5 else { return nil }
            let length = bytes[1..<5].reduce(0) { $0 << 8 | Int($1) }
            guard length <= maximumStreamSize else { throw .streamTooLarge(size: length, limit: maximumStreamSize) }
            guard bytes.count >= 5 + length else { return nil }
            let plaintext = try keyring.open(bytes[5..<(5 + length)], additionalData: Array(bytes[0..<5]))
            guard let (message, _) = try decodeUnsealed(plaintext) else {
                throw .truncated(context: "an encrypted stream message", needed: 1)
            }
            return (message, 5 + length)
        }
        if keyring != nil, requireEncryption { throw .encryptionRequired }
        return try decodeUnsealed(bytes)
    }

    private func decodeUnsealed(_ bytes: [UInt8]) throws(WireError) -> (message: StreamMessage, consumed: Int)? {
        guard let first = bytes.first else { return nil }
        if first == MessageType.compress.rawValue {
            var reader = MessagePackReader(bytes, range: 1..<bytes.count)
            do throws(WireError) {
                try reader.skipValue()
            } catch .truncated {
                return try needMore(bytes.count)
            }
            let inflated = try PacketCodec.inflate(bytes, range: 0..<reader.position, limit: maximumStreamSize)
            guard let (message, _) = try decodeMessage(inflated) else {
                throw .truncated(context: "a compressed stream message", needed: 1)
            }
            return (message, reader.position)
        }
        return try decodeMessage(bytes)
    }

    private func decodeMessage(_ bytes: [UInt8]) throws(WireError) -> (message: StreamMessage, consumed: Int)? {
        guard let first = bytes.first else { return nil }
        var reader = MessagePackReader(bytes, range: 1..<bytes.count)
        do throws(WireError) {
            let message: StreamMessage
            switch MessageType(rawValue: first) {
            case .pushPull: message = .pushPull(try decodePushPull(&reader))
            case .ping: message = .ping(try SWIM.Ping(from: &reader))
            case .ack: message = .ack(try SWIM.Ack(from: &reader))
            case .user:
                var length = 0
                try reader.readFields { (key, reader) throws(WireError) in
                    guard key == "UserMsgLen" else { return false }
                    length = Int(try reader.readUnsigned(UInt32.self, field: "UserMsgLen"))
                    return true
                }
                guard length <= maximumStreamSize else {
                    throw .streamTooLarge(size: length, limit: maximumStreamSize)
                }
                message = .user(try reader.readRaw(length, context: "a user message"))
            case .error:
                var text = ""
                try reader.readFields { (key, reader) throws(WireError) in
                    guard key == "Error" else { return false }
                    text = try reader.readString()
                    return true
                }
                message = .error(text)
            default:
                throw .unknownMessageType(first)
            }
            return (message, reader.position)
        } catch .truncated {
            return try needMore(bytes.count)
        }
    }

    private func decodePushPull(_ reader: inout MessagePackReader) throws(WireError) -> SWIM.PushPull {
        var join = false
        var nodeCount: UInt64 = 0
        var userStateLength: UInt64 = 0
        try reader.readFields { (key, reader) throws(WireError) in
            switch key {
            case "Join": join = try reader.readBool()
            case "Nodes": nodeCount = try reader.readUnsigned()
            case "UserStateLen": userStateLength = try reader.readUnsigned()
            default: return false
            }
            return true
        }
        guard nodeCount <= UInt64(maximumPushPullNodes) else {
            throw .invalidField(
                name: "Nodes", reason: "\(nodeCount) members, over the limit of \(maximumPushPullNodes)")
        }
        guard userStateLength <= UInt64(maximumStreamSize) else {
            throw .streamTooLarge(size: Int(clamping: userStateLength), limit: maximumStreamSize)
        }
        var nodes: [SWIM.NodeState] = []
        nodes.reserveCapacity(min(Int(nodeCount), reader.remaining / 8))
        for _ in 0..<nodeCount {
            nodes.append(try SWIM.NodeState(from: &reader))
        }
        let userState = try reader.readRaw(Int(userStateLength), context: "the push-pull user state")
        return SWIM.PushPull(join: join, nodes: nodes, userState: userState)
    }

    /// `nil` (read more) while the buffer is within the size limit.
    private func needMore(_ buffered: Int) throws(WireError) -> (message: StreamMessage, consumed: Int)? {
        guard buffered < maximumStreamSize else { throw .streamTooLarge(size: buffered, limit: maximumStreamSize) }
        return nil
    }
}
