import ArgumentParser
import Foundation
import GossipNIO
import MemberlistWire

/// `gossip keys --install K | --use K | --remove K | --list`: rotates the encryption keys of the whole cluster
/// through an agent (ours or a serf agent), as `serf keys` does.
struct KeysCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "keys", abstract: "Install, use, remove or list the cluster's encryption keys (serf agents too).")

    @OptionGroup var rpc: RPCOptions

    @Option(help: "Install this base64 key on every member.") var install: String?
    @Option(help: "Make this installed key the primary everywhere.") var use: String?
    @Option(help: "Remove this key (not the primary) everywhere.") var remove: String?
    @Flag(help: "List every key and how many members hold it.") var list = false

    func validate() throws {
        let chosen = [install != nil, use != nil, remove != nil, list].filter { $0 }.count
        guard chosen == 1 else { throw ValidationError("give exactly one of --install, --use, --remove, --list") }
        for key in [install, use, remove].compactMap({ $0 }) {
            guard let bytes = Data(base64Encoded: key), [16, 24, 32].contains(bytes.count) else {
                throw ValidationError("'\(key)' is not a base64 AES key of 16, 24 or 32 bytes")
            }
        }
    }

    func run() throws {
        let client = try rpc.client()
        let (command, key, verb): (String, String?, String) =
            if let install { ("install-key", install, "installed") } else if let use {
                ("use-key", use, "changed primary")
            } else if let remove { ("remove-key", remove, "removed") } else { ("list-keys", nil, "listed") }
        // The answer's header may carry an error and still be followed by the body: print both.
        let (error, answer) = try client.request(
            command, body: key.map { .map([(.string("Key"), .string($0))]) }, expectsBody: true)
        for (node, message) in answer?["Messages"]?.mapValue ?? [] {
            print("\(node.stringValue ?? ""): \(message.stringValue ?? "")")
        }
        if command == "list-keys" {
            let nodes = answer?["NumNodes"]?.integerValue ?? 0
            print("Keys installed on \(nodes) members:")
            for (key, count) in answer?["Keys"]?.mapValue ?? [] {
                print("  \(key.stringValue ?? "")  [\(count.integerValue ?? 0)/\(nodes)]")
            }
        } else {
            print("Successfully \(verb) key on \(answer?["NumResp"]?.integerValue ?? 0) members")
        }
        if let error {
            FileHandle.standardError.write(Data("Error: \(error)\n".utf8))
            throw ExitCode(1)
        }
    }
}

/// `gossip monitor [--log-level L]`: the agent's log, as it happens.
struct MonitorCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "monitor", abstract: "Print an agent's log lines as they happen (serf agents too).")

    @OptionGroup var rpc: RPCOptions

    @Option(help: "The lowest level shown: trace, debug, info, warn, err.") var logLevel: String = "info"

    func run() throws {
        let client = try rpc.client()
        try client.monitor(logLevel: logLevel) { line in
            FileHandle.standardOutput.write(Data((line + "\n").utf8))
            return true
        }
    }
}
