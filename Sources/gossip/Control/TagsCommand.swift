import ArgumentParser
import Foundation
import GossipCore
import GossipNIO
import MemberlistWire

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
        let client = try rpc.client()
        _ = try client.call(
            "tags",
            body: .map([(.string("Tags"), .map(pairs)), (.string("DeleteTags"), .array(delete.map { .string($0) }))]),
            expectsBody: false)
        print("Successfully updated agent tags")
    }
}
