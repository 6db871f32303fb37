import ArgumentParser
import Foundation
import GossipCore
import GossipNIO
import MemberlistWire

/// `gossip stream [--type FILTER]`: member and user events as they happen, one JSON object per line.
struct StreamCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stream", abstract: "Print events as they happen, one JSON object per line.")

    @OptionGroup var rpc: RPCOptions

    @Option(
        name: .customLong("type"), help: "Which events: *, member-join, member-leave, member-failed, user, user:NAME …")
    var filter: String = "*"

    func run() throws {
        let client = try rpc.client()
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
