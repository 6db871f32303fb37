/// Why the durable store refused a file or a write. Each case names the file, the place and the limit, so that
/// a person can act.
public enum StorageError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The file does not start with the log's magic bytes.
    case notALog(path: String)
    /// A complete record whose checksum or structure is wrong: the file was damaged after it was written.
    case corrupted(path: String, offset: Int, reason: String)
    /// A key or value over the store's limit.
    case tooLarge(field: String, size: Int, limit: Int)
    /// The operating system refused a read, write, sync or rename.
    case io(path: String, operation: String, errno: Int32)

    /// A sentence for logs and the command line.
    public var description: String {
        switch self {
        case .notALog(let path):
            return "\(path) is not a swift-gossip replica log (wrong magic bytes); refusing to use it"
        case .corrupted(let path, let offset, let reason):
            return "\(path) is corrupted at byte \(offset): \(reason); refusing to serve data from it"
        case .tooLarge(let field, let size, let limit):
            return "\(field) of \(size) bytes is over the limit of \(limit) bytes"
        case .io(let path, let operation, let errno):
            return "\(operation) of \(path) failed with errno \(errno)"
        }
    }
}
