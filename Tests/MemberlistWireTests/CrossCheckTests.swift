import Foundation
import GossipCore
import MemberlistWire
import SWIM
import Testing

/// Our output checked by independent implementations: Python's `cryptography` AES-GCM and a Go-compatible LZW
/// decoder written in Python from the format, both in `scripts/crosscheck_wire.py`.
@Suite("Cross-checks with independent implementations")
struct CrossCheckTests {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    @Test("packets we seal open with Python's AES-GCM, and our LZW inflates with a Go-compatible decoder")
    func independentImplementations() throws {
        var rng = SeededRandom(seed: 11)
        var lines: [String] = []
        func hex(_ bytes: [UInt8]) -> String { bytes.isEmpty ? "-" : bytes.map { String(format: "%02x", $0) }.joined() }
        for key in [Fixtures.newKey, Array(repeating: 0x42, count: 24), Fixtures.oldKey] {
            let keyring = try Keyring(primaryKey: key)
            for size in [0, 1, 67, 1400] {
                let plaintext = (0..<size).map { _ in UInt8.random(in: 0...255, using: &rng) }
                lines.append("aes \(hex(key)) \(hex(keyring.seal(plaintext, using: &rng))) \(hex(plaintext)) -")
                let length = UInt32(size + 29)
                let header: [UInt8] = [10, 0, 0, UInt8(length >> 8), UInt8(length & 0xFF)]
                lines.append(
                    "aes \(hex(key)) \(hex(keyring.seal(plaintext, additionalData: header, using: &rng))) \(hex(plaintext)) \(hex(header))"
                )
            }
        }
        var inputs: [[UInt8]] = Fixtures.plainPackets.map(\.bytes) + Fixtures.plainStreams.map(\.bytes)
        inputs.append(Array(repeating: 0x61, count: 20_000))  // long runs: the table fills and clears
        inputs.append((0..<50_000).map { _ in UInt8.random(in: 0...255, using: &rng) })
        inputs.append([])
        for input in inputs {
            lines.append("lzw \(hex(LZW.compress(input))) \(hex(input))")
        }
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("crosscheck-\(UUID()).txt")
        try lines.joined(separator: "\n").write(to: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: file) }

        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [
            "python3", Self.repository.appendingPathComponent("scripts/crosscheck_wire.py").path, file.path,
        ]
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        try process.run()
        process.waitUntilExit()
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        #expect(process.terminationStatus == 0, "crosscheck_wire.py: \(text)")
        #expect(text.contains("aes ok 24") && text.contains("lzw ok \(inputs.count)"), "\(text)")
    }
}
