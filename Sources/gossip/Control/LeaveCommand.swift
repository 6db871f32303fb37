import ArgumentParser
import Foundation
import GossipCore
import GossipNIO
import MemberlistWire

/// `gossip leave`: asks an agent to leave the cluster gracefully and stop.
struct LeaveCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "leave", abstract: "Ask an agent to leave the cluster gracefully and stop.")

    @OptionGroup var rpc: RPCOptions

    func run() throws {
        let client = try rpc.client()
        _ = try client.call("leave", expectsBody: false)
        print("Graceful leave requested.")
    }
}
