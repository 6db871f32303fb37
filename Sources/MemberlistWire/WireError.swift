/// Why bytes could not be read or written. Each case names the limit or the field involved, so that a log line
/// tells the operator what a peer sent.
public enum WireError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The input ended `needed` bytes short while reading `context`.
    case truncated(context: String, needed: Int)
    /// A MessagePack value of another kind was found where `expected` was wanted (`found` is its first byte).
    case unexpectedValue(expected: String, found: UInt8)
    /// A MessagePack integer does not fit the field (`field` wants `type`).
    case integerOutOfRange(field: String, type: String)
    /// Values nested deeper than the reader allows (``MessagePackReader/maximumDepth``).
    case nestingTooDeep(limit: Int)
    /// A field holds a value the protocol does not allow.
    case invalidField(name: String, reason: String)
    /// The first byte names no message this side knows.
    case unknownMessageType(UInt8)
    /// A message is empty (memberlist 0.2.2 crashes on these; they are refused here).
    case emptyMessage
    /// Node metadata of `size` bytes, over memberlist's `MetaMaxSize`.
    case metadataTooLarge(size: Int, limit: Int)
    /// A stream of `size` bytes, over the limit.
    case streamTooLarge(size: Int, limit: Int)
    /// A compound of `count` parts; memberlist 0.2.2 mis-parses 128 or more.
    case tooManyCompoundParts(count: Int, limit: Int)
    /// Inflated data would exceed `limit` bytes (a compression bomb, or a limit set too low).
    case decompressedTooLarge(limit: Int)
    /// Compression algorithm `algorithm` is not LZW (0).
    case unsupportedCompression(algorithm: UInt64)
    /// Invalid LZW data: a code beyond the table, or no end-of-data code.
    case corruptCompressedData(String)
    /// The CRC-32 in the packet (`expected`) is not that of its contents (`computed`).
    case checksumMismatch(expected: UInt32, computed: UInt32)
    /// An encrypted message that none of the `keysTried` installed keys opens.
    case noKeyDecrypts(keysTried: Int)
    /// Encryption version `version` is not 1 (the only one protocol 2 and later use).
    case unsupportedEncryptionVersion(UInt8)
    /// An AES key must be 16, 24 or 32 bytes.
    case invalidKeyLength(Int)
    /// The keyring holds no key, so nothing can be encrypted.
    case emptyKeyring
    /// The key is not in the keyring.
    case keyNotInstalled
    /// The primary key cannot be removed; make another key primary first.
    case cannotRemovePrimaryKey
    /// Plain input reached a node that requires encryption.
    case encryptionRequired
    /// The peer answered a stream with an error message.
    case remoteError(String)

    /// What kind of error this is, without its details: a closed set, so that counters keyed by it stay bounded
    /// whatever numbers and strings a sender puts in its bytes.
    public enum Kind: String, CaseIterable, Hashable, Sendable {
        /// ``WireError/truncated(context:needed:)``.
        case truncated
        /// ``WireError/unexpectedValue(expected:found:)``.
        case unexpectedValue = "unexpected_value"
        /// ``WireError/integerOutOfRange(field:type:)``.
        case integerOutOfRange = "integer_out_of_range"
        /// ``WireError/nestingTooDeep(limit:)``.
        case nestingTooDeep = "nesting_too_deep"
        /// ``WireError/invalidField(name:reason:)``.
        case invalidField = "invalid_field"
        /// ``WireError/unknownMessageType(_:)``.
        case unknownMessageType = "unknown_message_type"
        /// ``WireError/emptyMessage``.
        case emptyMessage = "empty_message"
        /// ``WireError/metadataTooLarge(size:limit:)``.
        case metadataTooLarge = "metadata_too_large"
        /// ``WireError/streamTooLarge(size:limit:)``.
        case streamTooLarge = "stream_too_large"
        /// ``WireError/tooManyCompoundParts(count:limit:)``.
        case tooManyCompoundParts = "too_many_compound_parts"
        /// ``WireError/decompressedTooLarge(limit:)``.
        case decompressedTooLarge = "decompressed_too_large"
        /// ``WireError/unsupportedCompression(algorithm:)``.
        case unsupportedCompression = "unsupported_compression"
        /// ``WireError/corruptCompressedData(_:)``.
        case corruptCompressedData = "corrupt_compressed_data"
        /// ``WireError/checksumMismatch(expected:computed:)``.
        case checksumMismatch = "checksum_mismatch"
        /// ``WireError/noKeyDecrypts(keysTried:)``.
        case noKeyDecrypts = "no_key_decrypts"
        /// ``WireError/unsupportedEncryptionVersion(_:)``.
        case unsupportedEncryptionVersion = "unsupported_encryption_version"
        /// ``WireError/invalidKeyLength(_:)``.
        case invalidKeyLength = "invalid_key_length"
        /// ``WireError/emptyKeyring``.
        case emptyKeyring = "empty_keyring"
        /// ``WireError/keyNotInstalled``.
        case keyNotInstalled = "key_not_installed"
        /// ``WireError/cannotRemovePrimaryKey``.
        case cannotRemovePrimaryKey = "cannot_remove_primary_key"
        /// ``WireError/encryptionRequired``.
        case encryptionRequired = "encryption_required"
        /// ``WireError/remoteError(_:)``.
        case remoteError = "remote_error"
    }

    /// This error's ``Kind``.
    public var kind: Kind {
        switch self {
        case .truncated: .truncated
        case .unexpectedValue: .unexpectedValue
        case .integerOutOfRange: .integerOutOfRange
        case .nestingTooDeep: .nestingTooDeep
        case .invalidField: .invalidField
        case .unknownMessageType: .unknownMessageType
        case .emptyMessage: .emptyMessage
        case .metadataTooLarge: .metadataTooLarge
        case .streamTooLarge: .streamTooLarge
        case .tooManyCompoundParts: .tooManyCompoundParts
        case .decompressedTooLarge: .decompressedTooLarge
        case .unsupportedCompression: .unsupportedCompression
        case .corruptCompressedData: .corruptCompressedData
        case .checksumMismatch: .checksumMismatch
        case .noKeyDecrypts: .noKeyDecrypts
        case .unsupportedEncryptionVersion: .unsupportedEncryptionVersion
        case .invalidKeyLength: .invalidKeyLength
        case .emptyKeyring: .emptyKeyring
        case .keyNotInstalled: .keyNotInstalled
        case .cannotRemovePrimaryKey: .cannotRemovePrimaryKey
        case .encryptionRequired: .encryptionRequired
        case .remoteError: .remoteError
        }
    }

    /// One sentence for a log line.
    public var description: String {
        switch self {
        case .truncated(let context, let needed): return "input ends \(needed) bytes short in \(context)"
        case .unexpectedValue(let expected, let found):
            return "expected \(expected), found MessagePack byte 0x\(String(found, radix: 16))"
        case .integerOutOfRange(let field, let type): return "\(field) does not fit in \(type)"
        case .nestingTooDeep(let limit): return "values nested deeper than \(limit) levels"
        case .invalidField(let name, let reason): return "field \(name): \(reason)"
        case .unknownMessageType(let type): return "unknown message type \(type)"
        case .emptyMessage: return "empty message"
        case .metadataTooLarge(let size, let limit): return "node metadata is \(size) bytes, over the limit of \(limit)"
        case .streamTooLarge(let size, let limit): return "stream of \(size) bytes is over the limit of \(limit)"
        case .tooManyCompoundParts(let count, let limit):
            return "compound of \(count) parts, over the limit of \(limit)"
        case .decompressedTooLarge(let limit): return "decompressed data would exceed \(limit) bytes"
        case .unsupportedCompression(let algorithm): return "unsupported compression algorithm \(algorithm)"
        case .corruptCompressedData(let reason): return "corrupt LZW data: \(reason)"
        case .checksumMismatch(let expected, let computed):
            return
                "CRC-32 mismatch: packet says \(String(expected, radix: 16)), contents give \(String(computed, radix: 16))"
        case .noKeyDecrypts(let keysTried): return "no installed key decrypts the message (\(keysTried) tried)"
        case .unsupportedEncryptionVersion(let version): return "unsupported encryption version \(version)"
        case .invalidKeyLength(let length): return "an AES key must be 16, 24 or 32 bytes, not \(length)"
        case .emptyKeyring: return "the keyring holds no key"
        case .keyNotInstalled: return "the key is not installed"
        case .cannotRemovePrimaryKey: return "the primary key cannot be removed"
        case .encryptionRequired: return "unencrypted input refused: encryption is required"
        case .remoteError(let message): return "the peer reported: \(message)"
        }
    }
}
