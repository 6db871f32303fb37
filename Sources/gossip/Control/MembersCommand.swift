import ArgumentParser
import Foundation
import GossipCore
import GossipNIO
import MemberlistWire

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
        let members = try rpc.client().members(status: status)
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
