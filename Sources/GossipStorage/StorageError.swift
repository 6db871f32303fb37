import Foundation

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
            return "\(operation) of \(path) failed: \(Self.describe(errno: errno))"
        }
    }

    /// An error number as its symbolic name and the system's message: `ENOSPC: No space left on device`.
    public static func describe(errno code: Int32) -> String {
        let message = String(cString: strerror(code))
        guard let name = errnoNames[code] else { return "errno \(code): \(message)" }
        return "\(name): \(message)"
    }

    private static let errnoNames: [Int32: String] = [
        EPERM: "EPERM", ENOENT: "ENOENT", EINTR: "EINTR", EIO: "EIO", EBADF: "EBADF", EAGAIN: "EAGAIN",
        ENOMEM: "ENOMEM", EACCES: "EACCES", EEXIST: "EEXIST", ENOTDIR: "ENOTDIR", EISDIR: "EISDIR",
        EINVAL: "EINVAL", ENFILE: "ENFILE", EMFILE: "EMFILE", EFBIG: "EFBIG", ENOSPC: "ENOSPC", EROFS: "EROFS",
        ENAMETOOLONG: "ENAMETOOLONG", EDQUOT: "EDQUOT", ELOOP: "ELOOP", EXDEV: "EXDEV", ESPIPE: "ESPIPE",
        EADDRINUSE: "EADDRINUSE", EADDRNOTAVAIL: "EADDRNOTAVAIL", ECONNREFUSED: "ECONNREFUSED",
    ]
}
