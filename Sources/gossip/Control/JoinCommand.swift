import ArgumentParser
import Foundation
import GossipCore
import GossipNIO
import MemberlistWire

/// `gossip join ADDR...`: asks an agent to join through the given members.
struct JoinCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "join", abstract: "Ask an agent to join the cluster through the given members.")

    @OptionGroup var rpc: RPCOptions

    @Argument(help: "Members to join through, host:port.")
    var addresses: [String]

    func run() throws {
        let client = try rpc.client()
        let body = try client.call(
            "join",
            body: .map([
                (.string("Existing"), .array(addresses.map { .string($0) })), (.string("Replay"), .bool(false)),
            ]), expectsBody: true)
        print("Successfully joined cluster by contacting \(body?["Num"]?.integerValue ?? 0) nodes.")
    }
}
