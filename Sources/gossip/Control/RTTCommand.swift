import ArgumentParser
import Foundation
import GossipNIO
import MemberlistWire
import Serf

/// `gossip rtt`: the round-trip time between two members, estimated from their network coordinates, as
/// `serf rtt` prints it (against our agent or a serf agent).
struct RTTCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rtt",
        abstract: "Estimate the round-trip time between two members from their network coordinates.",
        discussion: "With one node, the other is the agent asked.")

    @Argument(help: "One or two member names.")
    var nodes: [String]

    @OptionGroup var rpc: RPCOptions

    func validate() throws {
        guard (1...2).contains(nodes.count) else { throw ValidationError("One or two node names must be specified") }
    }

    func run() throws {
        let client = try rpc.client()
        var names = nodes
        if names.count == 1 {
            let stats = try client.call("stats", expectsBody: true)
            guard let name = stats?["agent"]?["name"]?.stringValue else {
                throw ValidationError("the agent's stats name no agent")
            }
            names.append(name)
        }
        let first = try Self.coordinate(of: names[0], using: client)
        let second = try Self.coordinate(of: names[1], using: client)
        guard let distance = SerfCoordinate.distance(first, second) else {
            throw ValidationError("the two coordinates have different dimensions")
        }
        let milliseconds = Double(distance.components.seconds) * 1e3 + Double(distance.components.attoseconds) / 1e15
        print("Estimated \(names[0]) <-> \(names[1]) rtt: \(String(format: "%.3f", milliseconds)) ms")
    }

    /// `get-coordinate` for `node`, failing as `serf rtt` does when the agent has none.
    static func coordinate(of node: String, using client: SerfRPCClient) throws -> SerfCoordinate {
        let body = try client.call("get-coordinate", body: .map([(.string("Node"), .string(node))]), expectsBody: true)
        guard body?["Ok"]?.boolValue == true, let coordinate = body?["Coord"] else {
            FileHandle.standardError.write(Data("Could not find a coordinate for node \"\(node)\"\n".utf8))
            throw ExitCode(1)
        }
        func number(_ value: MessagePackValue?) -> Double {
            switch value {
            case .double(let number)?: return number
            case .int(let number)?: return Double(number)
            case .uint(let number)?: return Double(number)
            default: return 0
            }
        }
        return SerfCoordinate(
            vector: coordinate["Vec"]?.arrayValue?.map(number) ?? [], error: number(coordinate["Error"]),
            adjustment: number(coordinate["Adjustment"]), height: number(coordinate["Height"]))
    }
}
