import Foundation
import Testing

/// Payloads extracted from the Serf captures by `scripts/extract_wire_fixtures.py`, one per line as
/// `label hex`.
enum Fixtures {
    struct Payload: CustomTestStringConvertible, Sendable {
        var label: String
        var bytes: [UInt8]
        var testDescription: String { label }
        /// The label without its `#frame` suffix: `crc-alive`, `ping`, …
        var kind: String { String(label.split(separator: "#")[0]) }
    }

    static func load(_ name: String) -> [Payload] {
        guard let url = Bundle.module.url(forResource: name, withExtension: "txt", subdirectory: "Fixtures"),
            let text = try? String(contentsOf: url, encoding: .utf8)
        else { fatalError("fixture \(name).txt is missing from the test bundle") }
        return text.split(separator: "\n").map { line in
            let parts = line.split(separator: " ")
            return Payload(label: String(parts[0]), bytes: hex(parts[1]))
        }
    }

    static func hex(_ text: some StringProtocol) -> [UInt8] {
        var bytes: [UInt8] = []
        var index = text.startIndex
        while index < text.endIndex {
            let next = text.index(index, offsetBy: 2)
            bytes.append(UInt8(text[index..<next], radix: 16)!)
            index = next
        }
        return bytes
    }

    static let plainPackets = load("serf-udp")
    static let plainStreams = load("serf-tcp")
    static let encryptedPackets = load("serf-enc-udp")
    static let encryptedStreams = load("serf-enc-tcp")

    static func packet(_ kind: String) -> [UInt8] {
        plainPackets.first { $0.kind == kind }!.bytes
    }

    /// The throw-away keys of the encrypted capture: `enc.key` (32 bytes), then `enc.newkey` (16 bytes).
    static let oldKey = [UInt8](Data(base64Encoded: "9Wm9Gwu+AD6OKxOX8GLLJ21Qot7yuRoSpVTchvwiCmg=")!)
    static let newKey = [UInt8](Data(base64Encoded: "OvavCZD6zyHr/kc8ynE4Lg==")!)
}
