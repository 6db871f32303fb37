import Foundation
import Serf
import Synchronization

/// Serf's snapshot file on disk: lines appended as things happen, flushed (and synced) at most every 500 ms and
/// at once for a leave, compacted into `PATH.compact` and renamed over the file when it outgrows
/// ``Serf/Snapshot/compactionThreshold(members:)``. The state it holds is a ``Serf/Snapshot``. Appending is cheap
/// and may happen on the node's actor; a flush blocks on the disk and runs on the blocking-I/O pool.
final class SnapshotFile: Sendable {
    let path: String
    private let file: Mutex<OpenFile>

    private struct OpenFile {
        var state: Serf.Snapshot
        var handle: FileHandle
        var pending: [String] = []
        var size: Int
    }

    /// Opens (or creates) the file at `path` and replays it.
    init(path: String) throws(SnapshotError) {
        self.path = path
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) {
            guard !isDirectory.boolValue else {
                throw SnapshotError(description: "the snapshot path \(path) is a directory, not a file")
            }
        } else if !FileManager.default.createFile(atPath: path, contents: nil) {
            throw SnapshotError(description: "cannot create the snapshot file \(path) (errno \(errno))")
        }
        do {
            let data = try Data(contentsOf: URL(fileURLWithPath: path))
            let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
            try handle.seekToEnd()
            file = Mutex(
                OpenFile(
                    state: Serf.Snapshot(text: String(decoding: data, as: UTF8.self)), handle: handle, size: data.count)
            )
        } catch {
            throw SnapshotError(description: "cannot open the snapshot file \(path): \(error.localizedDescription)")
        }
    }

    deinit { file.withLock { try? $0.handle.close() } }

    /// The state the file records, with what was appended since.
    var state: Serf.Snapshot { file.withLock { $0.state } }

    /// Whether lines wait to be written.
    var hasPending: Bool { file.withLock { !$0.pending.isEmpty } }

    /// Records a line (written at the next flush).
    func append(_ line: String) {
        file.withLock {
            $0.state.apply(line)
            $0.pending.append(line)
        }
    }

    /// Writes what was recorded, syncs, and compacts when the file has grown too large for `members`. Blocks.
    func flush(members: Int) throws {
        try file.withLock { file in
            guard !file.pending.isEmpty else { return }
            let bytes = Data(file.pending.map { $0 + "\n" }.joined().utf8)
            file.pending = []
            try file.handle.write(contentsOf: bytes)
            try file.handle.synchronize()
            file.size += bytes.count
            if file.size > Serf.Snapshot.compactionThreshold(members: members) { try compact(&file) }
        }
    }

    private func compact(_ file: inout OpenFile) throws {
        let temporary = path + ".compact"
        let bytes = Data(file.state.lines.map { $0 + "\n" }.joined().utf8)
        try bytes.write(to: URL(fileURLWithPath: temporary))
        guard rename(temporary, path) == 0 else {
            throw SnapshotError(description: "cannot replace \(path) by its compaction (errno \(errno))")
        }
        try? file.handle.close()
        file.handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        try file.handle.seekToEnd()
        file.size = bytes.count
    }
}

/// Why the snapshot file could not be used.
public struct SnapshotError: Error, CustomStringConvertible {
    /// A sentence for the command line.
    public var description: String
}
