import ArgumentParser
import Foundation
import GossipCore
import GossipNIO
import MemberlistWire

/// The flag every control command takes.
struct RPCOptions: ParsableArguments {
    @Option(help: "The agent's RPC address (ours or a serf agent's).")
    var rpcAddr: String = "127.0.0.1:7373"
}

/// `gossip members`: the members an agent knows, as a table or as JSON.
struct MembersCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "members", abstract: "List the members an agent knows (works against serf agents too).")

    @OptionGroup var rpc: RPCOptions

    @Option(help: "Only members whose status matches this regular expression (alive, left, failed).")
    var status: String?

    @Option(help: "Output: table or json.")
    var format: String = "table"

    func validate() throws {
        guard ["table", "json"].contains(format) else { throw ValidationError("--format must be table or json") }
    }

    func run() throws {
        let members = try SerfRPCClient(address: rpc.rpcAddr).members(status: status)
        switch format {
        case "json":
            let objects: [[String: Any]] = members.map {
                ["name": $0.name, "addr": $0.address, "status": $0.status, "tags": $0.tags]
            }
            let data = try JSONSerialization.data(
                withJSONObject: ["members": objects], options: [.prettyPrinted, .sortedKeys])
            print(String(decoding: data, as: UTF8.self))
        default:
            let nameWidth = members.map(\.name.count).max() ?? 0
            let addressWidth = members.map(\.address.count).max() ?? 0
            for member in members {
                let tags = member.tags.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ",")
                print(
                    member.name.padding(toLength: nameWidth + 2, withPad: " ", startingAt: 0)
                        + member.address.padding(toLength: addressWidth + 2, withPad: " ", startingAt: 0)
                        + member.status.padding(toLength: 8, withPad: " ", startingAt: 0) + tags)
            }
        }
    }
}

/// `gossip join ADDR...`: asks an agent to join through the given members.
struct JoinCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "join", abstract: "Ask an agent to join the cluster through the given members.")

    @OptionGroup var rpc: RPCOptions

    @Argument(help: "Members to join through, host:port.")
    var addresses: [String]

    func run() throws {
        let client = try SerfRPCClient(address: rpc.rpcAddr)
        let body = try client.call(
            "join",
            body: .map([
                (.string("Existing"), .array(addresses.map { .string($0) })), (.string("Replay"), .bool(false)),
            ]), expectsBody: true)
        print("Successfully joined cluster by contacting \(body?["Num"]?.integerValue ?? 0) nodes.")
    }
}

/// `gossip leave`: asks an agent to leave the cluster gracefully and stop.
struct LeaveCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "leave", abstract: "Ask an agent to leave the cluster gracefully and stop.")

    @OptionGroup var rpc: RPCOptions

    func run() throws {
        let client = try SerfRPCClient(address: rpc.rpcAddr)
        _ = try client.call("leave", expectsBody: false)
        print("Graceful leave requested.")
    }
}

/// `gossip force-leave NODE`: marks a failed member as left across the cluster.
struct ForceLeaveCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "force-leave", abstract: "Mark a failed member as left, so that nobody tries it again.")

    @OptionGroup var rpc: RPCOptions

    @Argument(help: "The failed member's name.")
    var node: String

    func run() throws {
        let client = try SerfRPCClient(address: rpc.rpcAddr)
        _ = try client.call(
            "force-leave", body: .map([(.string("Node"), .string(node)), (.string("Prune"), .bool(false))]),
            expectsBody: false)
        print("\(node) is marked as left.")
    }
}

/// `gossip event NAME [PAYLOAD]`: sends a user event to the whole cluster.
struct EventCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "event", abstract: "Send a user event to every member (works against serf agents too).")

    @OptionGroup var rpc: RPCOptions

    @Flag(help: "Let receivers keep only the newest event of this name within a short window.")
    var coalesce = false

    @Argument(help: "The event's name.")
    var name: String

    @Argument(help: "The event's payload.")
    var payload: String = ""

    func run() throws {
        let client = try SerfRPCClient(address: rpc.rpcAddr)
        _ = try client.call(
            "event",
            body: .map([
                (.string("Name"), .string(name)), (.string("Payload"), .binary(Array(payload.utf8))),
                (.string("Coalesce"), .bool(coalesce)),
            ]), expectsBody: false)
        print("Event '\(name)' dispatched! Coalescing enabled: \(coalesce)")
    }
}

/// `gossip stream [--type FILTER]`: member and user events as they happen, one JSON object per line.
struct StreamCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stream", abstract: "Print events as they happen, one JSON object per line.")

    @OptionGroup var rpc: RPCOptions

    @Option(
        name: .customLong("type"), help: "Which events: *, member-join, member-leave, member-failed, user, user:NAME …")
    var filter: String = "*"

    func run() throws {
        let client = try SerfRPCClient(address: rpc.rpcAddr)
        try client.stream(filter: filter) { record in
            // One line per event, written at once (standard output may be a pipe).
            FileHandle.standardOutput.write(Data((StreamCommand.json(record) + "\n").utf8))
            return true
        }
    }

    /// A record as one line of JSON: byte strings become text when they are UTF-8, member addresses `ip:port`.
    static func json(_ record: MessagePackValue) -> String {
        var object: [String: Any] = [:]
        object["event"] = record["Event"]?.stringValue ?? ""
        if let time = record["LTime"]?.integerValue { object["ltime"] = time }
        if let name = record["Name"]?.stringValue { object["name"] = name }
        if let payload = record["Payload"]?.bytesValue { object["payload"] = String(decoding: payload, as: UTF8.self) }
        if let coalesce = record["Coalesce"]?.boolValue { object["coalesce"] = coalesce }
        if let members = record["Members"]?.arrayValue {
            object["members"] = members.map(SerfRPCClient.Member.init).map {
                ["name": $0.name, "addr": $0.address, "status": $0.status, "tags": $0.tags] as [String: Any]
            }
        }
        guard let data = try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]) else {
            return "{}"
        }
        return String(decoding: data, as: UTF8.self)
    }
}

/// `gossip tags --set k=v --delete k`: changes an agent's tags and announces them.
struct TagsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tags", abstract: "Set or delete an agent's tags (works against serf agents too).")

    @OptionGroup var rpc: RPCOptions

    @Option(name: .customLong("set"), help: "A tag key=value to set (repeatable).")
    var set: [String] = []

    @Option(name: .customLong("delete"), help: "A tag key to delete (repeatable).")
    var delete: [String] = []

    func validate() throws {
        guard !set.isEmpty || !delete.isEmpty else { throw ValidationError("give --set k=v or --delete k") }
        for tag in set where !tag.contains("=") { throw ValidationError("--set '\(tag)' is not key=value") }
    }

    func run() throws {
        let pairs: [(MessagePackValue, MessagePackValue)] = set.map { tag in
            let parts = tag.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            return (.string(String(parts[0])), .string(String(parts[1])))
        }
        let client = try SerfRPCClient(address: rpc.rpcAddr)
        _ = try client.call(
            "tags",
            body: .map([(.string("Tags"), .map(pairs)), (.string("DeleteTags"), .array(delete.map { .string($0) }))]),
            expectsBody: false)
        print("Successfully updated agent tags")
    }
}

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
