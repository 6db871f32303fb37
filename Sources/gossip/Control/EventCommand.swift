import ArgumentParser
import Foundation
import GossipCore
import GossipNIO
import MemberlistWire

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
        let client = try rpc.client()
        _ = try client.call(
            "event",
            body: .map([
                (.string("Name"), .string(name)), (.string("Payload"), .binary(Array(payload.utf8))),
                (.string("Coalesce"), .bool(coalesce)),
            ]), expectsBody: false)
        print("Event '\(name)' dispatched! Coalescing enabled: \(coalesce)")
    }
}
