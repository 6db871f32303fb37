import ArgumentParser
import GossipNIO

/// `gossip query NAME [PAYLOAD]`: asks the cluster and prints acks and responses as they arrive.
struct QueryCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "query", abstract: "Ask the cluster a query and print the acks and responses (serf agents too).")

    @OptionGroup var rpc: RPCOptions

    @Option(name: .customLong("node"), help: "Only this node answers (repeatable).")
    var nodes: [String] = []

    @Option(name: .customLong("tag"), help: "Only nodes whose tag matches: key=regexp (repeatable).")
    var tags: [String] = []

    @Option(help: "How long to wait for answers, in seconds (default: the agent's, from the cluster size).")
    var timeout: Double?

    @Argument(help: "The query's name.")
    var name: String

    @Argument(help: "The query's payload.")
    var payload: String = ""

    func validate() throws {
        for tag in tags where !tag.contains("=") { throw ValidationError("--tag '\(tag)' is not key=regexp") }
    }

    func run() throws {
        var filters: [String: String] = [:]
        for tag in tags {
            let parts = tag.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            filters[String(parts[0])] = String(parts[1])
        }
        let client = try rpc.client()
        print("Query '\(name)' dispatched")
        var acks = 0
        var responses = 0
        try client.query(
            name, payload: Array(payload.utf8), nodes: nodes, tags: filters,
            timeout: timeout.map { .milliseconds(Int64($0 * 1000)) }
        ) { type, from, answer in
            if type == "ack" {
                acks += 1
                print("Ack from '\(from)'")
            } else {
                responses += 1
                print("Response from '\(from)': \(String(decoding: answer, as: UTF8.self))")
            }
        }
        print("Total Acks: \(acks)\nTotal Responses: \(responses)")
    }
}
