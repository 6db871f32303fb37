import ArgumentParser
import Foundation
import GossipCore
import GossipNIO
import MemberlistWire

/// `gossip force-leave NODE`: marks a failed member as left across the cluster.
struct ForceLeaveCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "force-leave", abstract: "Mark a failed member as left, so that nobody tries it again.")

    @OptionGroup var rpc: RPCOptions

    @Argument(help: "The failed member's name.")
    var node: String

    func run() throws {
        let client = try rpc.client()
        _ = try client.call(
            "force-leave", body: .map([(.string("Node"), .string(node)), (.string("Prune"), .bool(false))]),
            expectsBody: false)
        print("\(node) is marked as left.")
    }
}
