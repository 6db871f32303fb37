import Foundation
import GossipNIO
import MemberlistWire
import SWIM
import Serf

/// `--event-handler [FILTER=]SCRIPT`, as Serf runs event handlers: `/bin/sh -c SCRIPT` with the event in the
/// environment (`SERF_EVENT`, `SERF_SELF_NAME`, `SERF_SELF_ROLE`, `SERF_USER_EVENT`, `SERF_USER_LTIME`,
/// `SERF_QUERY_NAME`, `SERF_QUERY_LTIME`, `SERF_TAG_*`) and its payload, or its members, on standard input. For a
/// query, what the script prints (up to 1,024 bytes) is the response. FILTER is Serf's: `member-join`,
/// `member-leave`, `member-failed`, `member-update`, `member-reap`, `user`, `user:NAME`, `query`, `query:NAME`, or
/// several separated by commas; no filter means every event.
struct EventHandler: Sendable {
    let filter: [String]
    let script: String

    init(_ argument: String) {
        // `filter=script` when what precedes the first `=` looks like a filter, else the whole text is the script.
        if let equals = argument.firstIndex(of: "="),
            argument[..<equals].allSatisfy({ $0.isLetter || $0.isNumber || "-:,*_".contains($0) })
        {
            filter = argument[..<equals].split(separator: ",").map(String.init)
            script = String(argument[argument.index(after: equals)...])
        } else {
            filter = []
            script = argument
        }
    }

    func accepts(_ kind: String, name: String? = nil) -> Bool {
        filter.isEmpty || filter.contains("*") || filter.contains(kind)
            || name.map { filter.contains("\(kind):\($0)") }
                == true
    }

    /// Runs the script and returns what it printed.
    @discardableResult
    func run(environment: [String: String], input: [UInt8]) -> [UInt8] {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", script]
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        let stdin = Pipe()
        let stdout = Pipe()
        process.standardInput = stdin
        process.standardOutput = stdout
        do { try process.run() } catch { return [] }
        stdin.fileHandleForWriting.write(Data(input))
        try? stdin.fileHandleForWriting.close()
        let output = stdout.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return [UInt8](output)
    }

    /// Feeds `node`'s events and queries to `handlers` from now on (before or after the node starts) until the
    /// node stops.
    static func attach(_ handlers: [EventHandler], to node: GossipNode) async {
        guard !handlers.isEmpty else { return }
        let name = node.configuration.name
        let tags = node.configuration.tags
        var base = ["SERF_SELF_NAME": name, "SERF_SELF_ROLE": tags["role"] ?? ""]
        for (key, value) in tags { base["SERF_TAG_" + key.uppercased()] = value }
        let environment = base
        await node.setQueryResponder { query in
            let matching = handlers.filter { $0.accepts("query", name: query.name) }
            guard let handler = matching.first else { return nil }
            var variables = environment
            variables["SERF_EVENT"] = "query"
            variables["SERF_QUERY_NAME"] = query.name
            variables["SERF_QUERY_LTIME"] = "\(query.lamportTime)"
            let payload = query.payload
            let fixed = variables
            return await withCheckedContinuation { continuation in
                Thread { continuation.resume(returning: handler.run(environment: fixed, input: payload)) }.start()
            }
        }
        let userEvents = await node.subscribeUserEvents()
        let memberEvents = await node.subscribe()
        Task {
            for await event in userEvents {
                var variables = environment
                variables["SERF_EVENT"] = "user"
                variables["SERF_USER_EVENT"] = event.name
                variables["SERF_USER_LTIME"] = "\(event.lamportTime)"
                let fixed = variables
                for handler in handlers where handler.accepts("user", name: event.name) {
                    let payload = event.payload
                    Thread { handler.run(environment: fixed, input: payload) }.start()
                }
            }
        }
        Task {
            for await event in memberEvents {
                guard let (kind, member) = event.serfEvent else { continue }
                var variables = environment
                variables["SERF_EVENT"] = kind
                let memberTags = (try? SerfTags.decode(member.metadata)) ?? [:]
                let line =
                    [
                        member.name, member.address.ip.description, memberTags["role"] ?? "",
                        memberTags.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(
                            separator: ","),
                    ].joined(separator: "\t") + "\n"
                let fixed = variables
                for handler in handlers where handler.accepts(kind) {
                    Thread { handler.run(environment: fixed, input: Array(line.utf8)) }.start()
                }
            }
        }
    }
}
