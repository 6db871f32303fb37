import Foundation
import GossipStorage
import Replication
import Testing

@Suite("The replica log")
struct ReplicaLogTests {
    static func temporaryPath() -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("replica-\(UUID()).log").path
    }

    static func entry(_ value: String?, _ milliseconds: UInt64) -> Replication.LWWMap.Entry {
        .init(value: value.map { Array($0.utf8) }, timestamp: .init(milliseconds: milliseconds, node: 1))
    }

    @Test("acknowledged writes and deletes survive a reopen; older writes lose")
    func reopen() throws {
        let path = Self.temporaryPath()
        defer { try? FileManager.default.removeItem(atPath: path) }
        var root: UInt64 = 0
        do {
            var log = try ReplicaLog(path: path)
            for index in 0..<200 { try log.append("sku-\(index)", Self.entry("\(index)", 10)) }
            try log.append("sku-7", Self.entry(nil, 20))
            let lost = try log.append("sku-8", Self.entry("old", 5))
            #expect(!lost)
            root = log.replica.tree.root
        }
        let reopened = try ReplicaLog(path: path)
        let reopenedRoot = reopened.replica.tree.root
        #expect(reopenedRoot == root)
        #expect(reopened.replica.map["sku-7"] == nil)
        #expect(reopened.replica.map["sku-8"] == Array("8".utf8))
        #expect(reopened.recordCount == 201)
    }

    @Test("a last record cut short by a crash is dropped and the file truncated; everything before it is kept")
    func tornTail() throws {
        let path = Self.temporaryPath()
        defer { try? FileManager.default.removeItem(atPath: path) }
        var size = 0
        do {
            var log = try ReplicaLog(path: path)
            for index in 0..<10 { try log.append("k\(index)", Self.entry("v\(index)", 1)) }
            size = log.fileBytes
        }
        // A write in progress when the process died: half a record at the end.
        let handle = try #require(FileHandle(forWritingAtPath: path))
        try handle.seekToEnd()
        try handle.write(contentsOf: Data([20, 0, 0, 0, 1, 2, 3]))
        try handle.close()
        let log = try ReplicaLog(path: path)
        #expect(log.recordCount == 10)
        #expect(log.tornRecordsDropped == 1)
        #expect(log.fileBytes == size)
        let onDisk = try FileManager.default.attributesOfItem(atPath: path)[.size] as? Int
        #expect(onDisk == size)
    }

    @Test("a damaged record in the middle is refused with the offset, not served")
    func corruption() throws {
        let path = Self.temporaryPath()
        defer { try? FileManager.default.removeItem(atPath: path) }
        do {
            var log = try ReplicaLog(path: path)
            for index in 0..<10 { try log.append("k\(index)", Self.entry("value-\(index)", 1)) }
        }
        var bytes = try Data(contentsOf: URL(fileURLWithPath: path))
        bytes[60] ^= 0xFF
        try bytes.write(to: URL(fileURLWithPath: path))
        #expect {
            _ = try ReplicaLog(path: path)
        } throws: { error in
            guard case .corrupted(_, let offset, _) = error as? StorageError else { return false }
            return offset <= 60
        }
    }

    @Test("a file that is not a log is refused")
    func notALog() throws {
        let path = Self.temporaryPath()
        defer { try? FileManager.default.removeItem(atPath: path) }
        try Data("hello, world".utf8).write(to: URL(fileURLWithPath: path))
        #expect(throws: StorageError.notALog(path: path)) { _ = try ReplicaLog(path: path) }
    }

    @Test("keys and values over the limit are refused and nothing is written")
    func limits() throws {
        let path = Self.temporaryPath()
        defer { try? FileManager.default.removeItem(atPath: path) }
        var log = try ReplicaLog(path: path)
        let bigKey = String(repeating: "k", count: ReplicaLog.maximumKeyBytes + 1)
        #expect(throws: StorageError.self) { try log.append(bigKey, Self.entry("v", 1)) }
        let bigValue = String(repeating: "v", count: ReplicaLog.maximumValueBytes + 1)
        #expect(throws: StorageError.self) { try log.append("k", Self.entry(bigValue, 1)) }
        #expect(log.recordCount == 0)
    }

    @Test("compaction keeps the data and drops superseded records")
    func compaction() throws {
        let path = Self.temporaryPath()
        defer { try? FileManager.default.removeItem(atPath: path) }
        var root: UInt64 = 0
        do {
            var log = try ReplicaLog(path: path)
            for round in 0..<20 {
                for index in 0..<50 { try log.append("k\(index)", Self.entry("v\(round)", UInt64(round + 1))) }
            }
            let before = log.fileBytes
            try log.compact()
            #expect(log.fileBytes * 10 < before)
            try log.append("after", Self.entry("compaction", 100))
            root = log.replica.tree.root
        }
        let reopened = try ReplicaLog(path: path)
        let reopenedRoot = reopened.replica.tree.root
        #expect(reopenedRoot == root)
        #expect(reopened.recordCount == 51)
        #expect(reopened.replica.map["k3"] == Array("v19".utf8))
    }

    @Test("expired tombstones leave the replica and its tree as if the keys had never been written")
    func tombstoneCollection() throws {
        var log = ReplicaLog.inMemory(treeDepth: 8)
        var reference = Replication.Replica(treeDepth: 8)
        for index in 0..<100 {
            try log.append("sku-\(index)", Self.entry("\(index)", 10))
            if index >= 10 { reference.apply("sku-\(index)", Self.entry("\(index)", 10)) }
        }
        for index in 0..<10 { try log.append("sku-\(index)", Self.entry(nil, 20)) }
        let early = log.collectTombstones(olderThan: .init(milliseconds: 15))
        #expect(early == 0, "tombstones newer than the horizon stay")
        let dropped = log.collectTombstones(olderThan: .init(milliseconds: 25))
        #expect(dropped == 10)
        let replica = log.replica
        #expect(replica.map == reference.map)
        #expect(replica.tree.root == reference.tree.root)
        #expect(replica.entries(inBucket: replica.tree.bucket(of: "sku-3")).allSatisfy { $0.0 != "sku-3" })
    }

    @Test("a log of mostly superseded records asks to be compacted; compaction keeps every live entry")
    func compactionPolicy() throws {
        let path = Self.temporaryPath()
        defer { try? FileManager.default.removeItem(atPath: path) }
        var log = try ReplicaLog(path: path)
        for round in 0..<400 {
            try log.append(
                contentsOf: (0..<10).map {
                    Replication.KeyedEntry(
                        "hot-\($0)", Self.entry(String(repeating: "v", count: 300), UInt64(round + 1)))
                })
        }
        let wantedBefore = log.wantsCompaction
        #expect(wantedBefore)
        let root = log.replica.tree.root
        try log.compact()
        let wantedAfter = log.wantsCompaction
        let bytesAfter = log.fileBytes
        #expect(!wantedAfter)
        #expect(bytesAfter < 10_000)
        let reopened = try ReplicaLog(path: path)
        let reopenedRoot = reopened.replica.tree.root
        #expect(reopenedRoot == root)
    }
}

/// A small tmpfs that a test can fill: root only (CI runs as root), unmounted when the test ends.
struct SmallFilesystem: ~Copyable {
    let directory: String

    static var isAvailable: Bool { geteuid() == 0 && FileManager.default.isExecutableFile(atPath: "/bin/mount") }

    init(kilobytes: Int) throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("tmpfs-\(UUID())").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let mount = Process()
        mount.executableURL = URL(fileURLWithPath: "/bin/mount")
        mount.arguments = ["-t", "tmpfs", "-o", "size=\(kilobytes)k", "tmpfs", directory]
        try mount.run()
        mount.waitUntilExit()
        guard mount.terminationStatus == 0 else {
            try? FileManager.default.removeItem(atPath: directory)
            throw CocoaError(.fileWriteUnknown)
        }
    }

    deinit {
        let unmount = Process()
        unmount.executableURL = URL(fileURLWithPath: "/bin/umount")
        unmount.arguments = [directory]
        try? unmount.run()
        unmount.waitUntilExit()
        try? FileManager.default.removeItem(atPath: directory)
    }
}

@Suite("The replica log on a full disk")
struct ReplicaLogFullDiskTests {
    @Test(
        "a write refused for lack of space leaves the file as it was; once space is back, writes succeed and all survive",
        .enabled(if: SmallFilesystem.isAvailable, "needs root to mount a small tmpfs"))
    func fullDisk() throws {
        let filesystem = try SmallFilesystem(kilobytes: 256)
        let path = filesystem.directory + "/replica.log"
        let filler = filesystem.directory + "/filler"
        // Most of the space goes to a file that is deleted later, "space freed by the operator".
        try Data(count: 160 * 1024).write(to: URL(fileURLWithPath: filler))
        var acknowledged: [String: [UInt8]] = [:]
        var refusal: StorageError?
        do {
            var log = try ReplicaLog(path: path)
            for index in 0..<1000 {
                let value = [UInt8](repeating: UInt8(index % 251), count: 3000 + index % 7)
                let entry = Replication.LWWMap.Entry(value: value, timestamp: .init(milliseconds: 1, node: 1))
                do {
                    try log.append("key-\(index)", entry)
                    acknowledged["key-\(index)"] = value
                } catch {
                    refusal = error
                    break
                }
            }
            let refused = try #require(refusal, "the disk never filled")
            #expect(refused.description.contains("ENOSPC: No space left on device"), "\(refused)")
            let onDisk = try FileManager.default.attributesOfItem(atPath: path)[.size] as? Int
            let durable = log.fileBytes
            let needsRollback = log.needsRollback
            #expect(onDisk == durable, "the refused write's fragment was cut away")
            #expect(!needsRollback)
            // The operator frees space; writes go on without a restart.
            try FileManager.default.removeItem(atPath: filler)
            for index in 1000..<1010 {
                let value = [UInt8](repeating: 7, count: 40)
                try log.append("after-\(index)", .init(value: value, timestamp: .init(milliseconds: 2, node: 1)))
                acknowledged["after-\(index)"] = value
            }
        }
        let reopened = try ReplicaLog(path: path)
        #expect(reopened.tornRecordsDropped == 0)
        #expect(reopened.recordCount == acknowledged.count)
        for (key, value) in acknowledged { #expect(reopened.replica.map[key] == value, "\(key)") }
    }

    @Test("a record cut short with a whole record behind it is refused at open, not cut away with what follows")
    func fragmentInTheMiddle() throws {
        let path = ReplicaLogTests.temporaryPath()
        defer { try? FileManager.default.removeItem(atPath: path) }
        do {
            var log = try ReplicaLog(path: path)
            try log.append("first", ReplicaLogTests.entry("one", 1))
        }
        // A fragment whose declared length runs past the end of the file, then a whole record (an acknowledged
        // write appended after a failed one, as an older version did).
        var bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: path)))
        let fragmentOffset = bytes.count
        bytes += [0x00, 0x10, 0x00, 0x00, 1, 2, 3, 4, 5, 6]
        let secondPath = ReplicaLogTests.temporaryPath()
        defer { try? FileManager.default.removeItem(atPath: secondPath) }
        do {
            var second = try ReplicaLog(path: secondPath)
            try second.append("second", ReplicaLogTests.entry("two", 2))
        }
        let secondBytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: secondPath)))
        bytes += secondBytes.dropFirst(8)
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        #expect {
            _ = try ReplicaLog(path: path)
        } throws: { error in
            guard case .corrupted(_, let offset, let reason) = error as? StorageError else { return false }
            return offset == fragmentOffset && reason.contains("followed by a whole record")
        }
    }

    @Test("an operating-system error names the operation, the path and the error's name and message")
    func errorText() {
        let error = StorageError.io(path: "/data/replica.log", operation: "write", errno: ENOSPC)
        #expect(error.description == "write of /data/replica.log failed: ENOSPC: No space left on device")
        #expect(StorageError.describe(errno: 9999).hasPrefix("errno 9999: "))
    }
}
