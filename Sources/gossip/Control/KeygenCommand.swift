import ArgumentParser
import Foundation
import GossipCore
import GossipNIO
import MemberlistWire

/// `gossip keygen`: a new random 32-byte key for `--encrypt`.
struct KeygenCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "keygen", abstract: "Print a new random AES-256 key, base64, for --encrypt.")

    func run() {
        var generator = SystemRandomNumberGenerator()
        let key = (0..<32).map { _ in UInt8.random(in: 0...255, using: &generator) }
        print(Data(key).base64EncodedString())
    }
}
