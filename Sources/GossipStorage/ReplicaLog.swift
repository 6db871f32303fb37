import Foundation
import GossipCore
import Replication

/// A node's replica, made durable as a checksummed append-only log.
///
/// Why a log and not an embedded database: the replica is a last-writer-wins map whose entries only ever replace
/// older ones, so the file needs one operation, append, and one repair, compaction; a log gives both with a few
/// hundred lines, no dependency, and a format that says exactly what survives a crash.
///
/// Format: the 8 magic bytes `GOSSIPL1`, then records of `[length: UInt32][CRC-32 of payload: UInt32][payload]`
/// (little-endian), a payload being `[key length: UInt16][key][milliseconds: UInt64][logical: UInt32][node: UInt32]
/// [has value: UInt8][value length: UInt32][value]`. ``append(_:_:)`` returns only after `fsync`, so an
/// acknowledged write survives `kill -9` and power loss. An append that fails (a full disk, an I/O error, a failed
/// fsync) leaves the file as it was before it: the bytes it may have written are cut away before the error is
/// thrown, or, if even that fails, before the next append is allowed, so a later acknowledged write never lies
/// behind a fragment. On open, a last record cut short (a write that was never acknowledged) is dropped and the file
/// truncated to the last whole record, but only when no whole record lies behind it; any other damage (a checksum
/// that does not match, a record that does not parse, a whole record behind a cut-short one) is refused with
/// ``StorageError/corrupted(path:offset:reason:)`` rather than served.
public struct ReplicaLog: ~Copyable {
    /// The longest key, in bytes (`Replication.maximumKeyBytes`).
    public static let maximumKeyBytes = Replication.maximumKeyBytes
    /// The longest value, in bytes (`Replication.maximumValueBytes`).
    public static let maximumValueBytes = Replication.maximumValueBytes
    static let magic = Array("GOSSIPL1".utf8)

    /// The file, or `nil` for a replica kept in memory only (``inMemory(treeDepth:)``).
    public let path: String?
    /// The replica the log holds, replayed on open and kept in step with every append.
    public private(set) var replica: Replication.Replica
    /// Records in the file, superseded ones included.
    public private(set) var recordCount = 0
    /// Bytes in the file that hold whole, durable records (and the magic): where the next record goes.
    public private(set) var fileBytes = 0
    /// Whether a failed append may have left bytes past ``fileBytes`` that could not yet be cut away; the next
    /// append cuts them first, and refuses to write while it cannot.
    public private(set) var needsRollback = false
    /// Records dropped at open because the last one was cut short.
    public private(set) var tornRecordsDropped = 0
    private var descriptor: Int32

    /// Opens (or creates) the log at `path` and replays it.
    public init(path: String, treeDepth: Int = 12) throws(StorageError) {
        self.path = path
        self.replica = Replication.Replica(treeDepth: treeDepth)
        descriptor = open(path, O_RDWR | O_CREAT, 0o644)
        guard descriptor >= 0 else { throw .io(path: path, operation: "open", errno: errno) }
        let bytes: [UInt8]
        do {
            bytes = Array(try Data(contentsOf: URL(fileURLWithPath: path)))
        } catch {
            close(descriptor)
            throw .io(path: path, operation: "read", errno: EIO)
        }
        do {
            try replay(bytes)
        } catch {
            close(descriptor)
            throw error
        }
    }

    private init(memoryOnlyWithTreeDepth treeDepth: Int) {
        path = nil
        replica = Replication.Replica(treeDepth: treeDepth)
        descriptor = -1
    }

    /// A replica with the log's interface and limits that keeps nothing on disk: for nodes run without a data
    /// directory, whose writes last as long as the process (and come back through anti-entropy after a restart).
    public static func inMemory(treeDepth: Int = 12) -> ReplicaLog {
        ReplicaLog(memoryOnlyWithTreeDepth: treeDepth)
    }

    private var displayPath: String { path ?? "(memory)" }

    deinit { if descriptor >= 0 { close(descriptor) } }

    private mutating func replay(_ bytes: [UInt8]) throws(StorageError) {
        if bytes.isEmpty {
            try Self.writeAll(Self.magic, to: descriptor, at: 0, path: displayPath)
            try sync()
            fileBytes = Self.magic.count
            return
        }
        guard bytes.count >= Self.magic.count, Array(bytes[0..<Self.magic.count]) == Self.magic else {
            throw .notALog(path: displayPath)
        }
        var offset = Self.magic.count
        while offset < bytes.count {
            guard bytes.count - offset >= 8 else { break }  // a header cut short: a torn write
            let length = Int(Self.uint32(bytes, offset))
            let checksum = Self.uint32(bytes, offset + 4)
            guard length <= 8 + Self.maximumKeyBytes + Self.maximumValueBytes + 64 else {
                throw .corrupted(path: displayPath, offset: offset, reason: "a record length of \(length) bytes")
            }
            guard bytes.count - offset - 8 >= length else { break }  // a payload cut short: a torn write, if last
            let payload = bytes[(offset + 8)..<(offset + 8 + length)]
            guard CRC32.checksum(payload) == checksum else {
                throw .corrupted(path: displayPath, offset: offset, reason: "the record's checksum does not match")
            }
            guard let (key, entry) = Self.decode(payload) else {
                throw .corrupted(path: displayPath, offset: offset, reason: "the record does not parse")
            }
            replica.apply(key, entry)
            recordCount += 1
            offset += 8 + length
        }
        if offset < bytes.count {
            // Only a write in progress when the process died may be cut: if a whole record follows, the short one
            // is damage in the middle of the log, and what follows may have been acknowledged.
            if let later = Self.wholeRecord(in: bytes, after: offset) {
                throw .corrupted(
                    path: displayPath, offset: offset,
                    reason: "a record cut short is followed by a whole record at byte \(later)")
            }
            tornRecordsDropped = 1
            guard ftruncate(descriptor, off_t(offset)) == 0 else {
                throw .io(path: displayPath, operation: "truncate", errno: errno)
            }
            try sync()
        }
        fileBytes = offset
        guard lseek(descriptor, off_t(offset), SEEK_SET) >= 0 else {
            throw .io(path: displayPath, operation: "seek", errno: errno)
        }
    }

    /// Applies `entry` to the replica and, if it wins, appends it durably; returns whether it won. The write is
    /// on disk (fsync) when this returns.
    @discardableResult
    public mutating func append(_ key: String, _ entry: Replication.LWWMap.Entry) throws(StorageError) -> Bool {
        try !append(contentsOf: [Replication.KeyedEntry(key, entry)]).isEmpty
    }

    /// Applies the entries that win (newer than what the replica holds, and than any earlier one of the batch)
    /// and appends them durably with one fsync; returns them. Checked against the limits first: one entry over a
    /// limit refuses the whole batch.
    @discardableResult
    public mutating func append(
        contentsOf entries: [Replication.KeyedEntry]
    ) throws(StorageError) -> [Replication.KeyedEntry] {
        for item in entries { try Self.checkLimits(item) }
        var winners: [Replication.KeyedEntry] = []
        var newest: [String: Replication.Timestamp] = [:]
        for item in entries {
            let current = newest[item.key] ?? replica.map.entries[item.key]?.timestamp
            if let current, current >= item.entry.timestamp { continue }
            newest[item.key] = item.entry.timestamp
            winners.append(item)
        }
        guard !winners.isEmpty else { return [] }
        try writeRecords(winners)
        for item in winners { replica.apply(item.key, item.entry) }
        return winners
    }

    /// Appends `entries` durably as they are, with one fsync, leaving ``replica`` alone: for a store that keeps
    /// its own replica (``takeReplica()``) and asks the log only to make batches durable. Checked against the
    /// limits first: one entry over a limit refuses the whole batch.
    public mutating func write(_ entries: [Replication.KeyedEntry]) throws(StorageError) {
        for item in entries { try Self.checkLimits(item) }
        try writeRecords(entries)
    }

    /// Hands over the replica replayed at open and keeps an empty one: a store that holds its own replica takes
    /// it once, so that the data is not held twice.
    public mutating func takeReplica() -> Replication.Replica {
        let taken = replica
        replica = Replication.Replica(treeDepth: taken.tree.depth)
        return taken
    }

    private static func checkLimits(_ item: Replication.KeyedEntry) throws(StorageError) {
        guard item.key.utf8.count <= maximumKeyBytes else {
            throw .tooLarge(field: "key", size: item.key.utf8.count, limit: maximumKeyBytes)
        }
        if let value = item.entry.value, value.count > maximumValueBytes {
            throw .tooLarge(field: "value", size: value.count, limit: maximumValueBytes)
        }
    }

    /// Writes the records of `entries` at the durable end and syncs; a failure leaves the file as it was.
    private mutating func writeRecords(_ entries: [Replication.KeyedEntry]) throws(StorageError) {
        guard !entries.isEmpty else { return }
        if descriptor >= 0 {
            if needsRollback { try rollBack() }
            var bytes: [UInt8] = []
            for item in entries { bytes += Self.record(item.key, item.entry) }
            do {
                try Self.writeAll(bytes, to: descriptor, at: fileBytes, path: displayPath)
                try sync()
            } catch {
                // The batch was not acknowledged: cut whatever part of it reached the file, so that the file is
                // exactly the acknowledged records. If the cut fails too, the next append retries it first.
                needsRollback = true
                try? rollBack()
                throw error
            }
            fileBytes += bytes.count
        }
        recordCount += entries.count
    }

    /// Drops tombstones no newer than `horizon` from the replica; the file keeps them until the next
    /// ``compact()``. Returns how many were dropped.
    @discardableResult
    public mutating func collectTombstones(olderThan horizon: Replication.Timestamp) -> Int {
        replica.collectTombstones(olderThan: horizon)
    }

    /// Whether the file has grown to more than twice what a compaction would write, and by at least a MiB:
    /// superseded records are then most of it.
    public var wantsCompaction: Bool {
        wantsCompaction(
            liveRecordBytes: replica.map.entries.reduce(0) {
                $0 + 8 + 2 + $1.key.utf8.count + 21 + ($1.value.value?.count ?? 0)
            })
    }

    /// Whether the file has grown to more than twice what a compaction would write (`liveRecordBytes` of records
    /// and the magic), and by at least a MiB.
    public func wantsCompaction(liveRecordBytes: Int) -> Bool {
        guard path != nil else { return false }
        let live = Self.magic.count + liveRecordBytes
        return fileBytes > 2 * live && fileBytes - live > 1 << 20
    }

    /// Rewrites the log with only the live entries (and tombstones), replacing the file atomically.
    public mutating func compact() throws(StorageError) {
        try compact(
            to: replica.map.entries.sorted(by: { $0.key < $1.key }).map { Replication.KeyedEntry($0.key, $0.value) })
    }

    /// Rewrites the log with `entries` alone (a store's live entries, ``takeReplica()``), replacing the file
    /// atomically.
    public mutating func compact(to entries: [Replication.KeyedEntry]) throws(StorageError) {
        guard let path else {
            recordCount = entries.count
            return
        }
        let temporary = path + ".compact"
        let fresh = open(temporary, O_RDWR | O_CREAT | O_TRUNC, 0o644)
        guard fresh >= 0 else { throw .io(path: temporary, operation: "open", errno: errno) }
        var bytes = Self.magic
        for item in entries { bytes += Self.record(item.key, item.entry) }
        do throws(StorageError) {
            try Self.writeAll(bytes, to: fresh, at: 0, path: temporary)
            guard fsync(fresh) == 0 else { throw StorageError.io(path: temporary, operation: "fsync", errno: errno) }
        } catch {
            close(fresh)
            unlink(temporary)
            throw error
        }
        guard rename(temporary, path) == 0 else {
            close(fresh)
            throw .io(path: path, operation: "rename", errno: errno)
        }
        close(descriptor)
        descriptor = fresh
        let directory = open(
            (path as NSString).deletingLastPathComponent.isEmpty ? "." : (path as NSString).deletingLastPathComponent,
            O_RDONLY)
        if directory >= 0 {
            fsync(directory)
            close(directory)
        }
        recordCount = entries.count
        fileBytes = bytes.count
    }

    /// Cuts the file back to ``fileBytes`` (the last durable record) and syncs the cut.
    private mutating func rollBack() throws(StorageError) {
        guard ftruncate(descriptor, off_t(fileBytes)) == 0 else {
            throw .io(path: displayPath, operation: "truncate after a failed write", errno: errno)
        }
        try sync()
        needsRollback = false
    }

    /// Writes all of `bytes` at `offset`, going on after short writes: a full disk shows as a short write first
    /// and as `ENOSPC` on the next call, and only that call's `errno` says why.
    private static func writeAll(
        _ bytes: [UInt8], to descriptor: Int32, at offset: Int, path: String
    ) throws(StorageError) {
        var done = 0
        while done < bytes.count {
            let result = bytes.withUnsafeBytes {
                pwrite(descriptor, $0.baseAddress! + done, $0.count - done, off_t(offset + done))
            }
            if result < 0 {
                let code = errno
                if code == EINTR { continue }
                throw .io(path: path, operation: "write", errno: code)
            }
            guard result > 0 else { throw .io(path: path, operation: "write", errno: EIO) }
            done += result
        }
    }

    private func sync() throws(StorageError) {
        guard fsync(descriptor) == 0 else { throw .io(path: displayPath, operation: "fsync", errno: errno) }
    }

    /// The offset of the first whole record (a plausible length, a matching checksum, a payload that parses) that
    /// starts after `offset`, if any.
    static func wholeRecord(in bytes: [UInt8], after offset: Int) -> Int? {
        let smallestPayload = 2 + 8 + 4 + 4 + 1 + 4
        var candidate = offset + 1
        while bytes.count - candidate >= 8 + smallestPayload {
            let length = Int(uint32(bytes, candidate))
            if length >= smallestPayload, length <= bytes.count - candidate - 8 {
                let payload = bytes[(candidate + 8)..<(candidate + 8 + length)]
                if CRC32.checksum(payload) == uint32(bytes, candidate + 4), decode(payload) != nil { return candidate }
            }
            candidate += 1
        }
        return nil
    }

    static func record(_ key: String, _ entry: Replication.LWWMap.Entry) -> [UInt8] {
        var payload: [UInt8] = []
        let keyBytes = Array(key.utf8)
        append(UInt16(keyBytes.count), to: &payload)
        payload += keyBytes
        append(entry.timestamp.milliseconds, to: &payload)
        append(entry.timestamp.logical, to: &payload)
        append(entry.timestamp.node, to: &payload)
        payload.append(entry.value == nil ? 0 : 1)
        let value = entry.value ?? []
        append(UInt32(value.count), to: &payload)
        payload += value
        var record: [UInt8] = []
        append(UInt32(payload.count), to: &record)
        append(CRC32.checksum(payload), to: &record)
        return record + payload
    }

    static func decode(_ payload: ArraySlice<UInt8>) -> (String, Replication.LWWMap.Entry)? {
        var offset = payload.startIndex
        func take(_ count: Int) -> ArraySlice<UInt8>? {
            guard payload.endIndex - offset >= count else { return nil }
            defer { offset += count }
            return payload[offset..<(offset + count)]
        }
        func integer<T: FixedWidthInteger>(_: T.Type) -> T? {
            guard let bytes = take(MemoryLayout<T>.size) else { return nil }
            return bytes.reversed().reduce(T(0)) { $0 << 8 | T($1) }
        }
        guard let keyLength = integer(UInt16.self), let keyBytes = take(Int(keyLength)),
            let key = String(validating: keyBytes, as: UTF8.self),
            let milliseconds = integer(UInt64.self), let logical = integer(UInt32.self),
            let node = integer(UInt32.self), let flag = take(1)?.first, flag <= 1,
            let valueLength = integer(UInt32.self), let value = take(Int(valueLength)), offset == payload.endIndex
        else { return nil }
        let timestamp = Replication.Timestamp(milliseconds: milliseconds, logical: logical, node: node)
        return (key, .init(value: flag == 1 ? Array(value) : nil, timestamp: timestamp))
    }

    static func append<T: FixedWidthInteger>(_ value: T, to bytes: inout [UInt8]) {
        withUnsafeBytes(of: value.littleEndian) { bytes += $0 }
    }

    static func uint32(_ bytes: [UInt8], _ offset: Int) -> UInt32 {
        (0..<4).reduce(UInt32(0)) { $0 | UInt32(bytes[offset + $1]) << (8 * UInt32($1)) }
    }
}
