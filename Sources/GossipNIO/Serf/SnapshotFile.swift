import Foundation
import Serf

/// Serf's snapshot file on disk: lines appended as things happen, flushed (and synced) at most every 500 ms and
/// at once for a leave, compacted into `PATH.compact` and renamed over the file when it outgrows
/// ``Serf/Snapshot/compactionThreshold(members:)``. The state it holds is a ``Serf/Snapshot``.
final class SnapshotFile {
    let path: String
    private(set) var state: Serf.Snapshot
    private var handle: FileHandle
    private var pending: [String] = []
    private var size: Int

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
            state = Serf.Snapshot(text: String(decoding: data, as: UTF8.self))
            size = data.count
            handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
            try handle.seekToEnd()
        } catch {
            throw SnapshotError(description: "cannot open the snapshot file \(path): \(error.localizedDescription)")
        }
    }

    deinit { try? handle.close() }

    /// Records a line (written at the next flush).
    func append(_ line: String) {
        state.apply(line)
        pending.append(line)
    }

    /// Writes what was recorded, syncs, and compacts when the file has grown too large for `members`.
    func flush(members: Int) throws {
        guard !pending.isEmpty else { return }
        let bytes = Data(pending.map { $0 + "\n" }.joined().utf8)
        pending = []
        try handle.write(contentsOf: bytes)
        try handle.synchronize()
        size += bytes.count
        if size > Serf.Snapshot.compactionThreshold(members: members) { try compact() }
    }

    private func compact() throws {
        let temporary = path + ".compact"
        let bytes = Data(state.lines.map { $0 + "\n" }.joined().utf8)
        try bytes.write(to: URL(fileURLWithPath: temporary))
        guard rename(temporary, path) == 0 else {
            throw SnapshotError(description: "cannot replace \(path) by its compaction (errno \(errno))")
        }
        try? handle.close()
        handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        try handle.seekToEnd()
        size = bytes.count
    }
}

/// Why the snapshot file could not be used.
public struct SnapshotError: Error, CustomStringConvertible {
    /// A sentence for the command line.
    public var description: String
}
