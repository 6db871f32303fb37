import Foundation
import GossipCore
import GossipTestKit

/// A `gossip agent` process on 127.0.0.1 with ports of its own (gossip, control endpoint, HTTP), its output in a
/// log file, and the `gossip` control commands run against it.
final class GossipAgentProcess: @unchecked Sendable {
    let executable: URL
    let name: String
    let port: UInt16
    let rpcPort: UInt16
    let httpPort: UInt16
    let process = Process()
    let logFile: URL

    var address: NodeAddress { NodeAddress(ip: .loopbackV4, port: port) }
    var httpAddress: NodeAddress { NodeAddress(ip: .loopbackV4, port: httpPort) }
    var rpcAddress: String { "127.0.0.1:\(rpcPort)" }

    /// Starts `gossip agent --node NAME` joining `join`, if given, with `arguments` added.
    init(_ executable: URL, name: String, join: NodeAddress? = nil, arguments: [String] = []) throws {
        self.executable = executable
        self.name = name
        port = try freePort()
        rpcPort = try freePort()
        httpPort = try freePort()
        logFile = FileManager.default.temporaryDirectory.appendingPathComponent("gossip-\(name)-\(UUID()).log")
        _ = FileManager.default.createFile(atPath: logFile.path, contents: nil)
        var all = [
            "agent", "--node", name, "--bind", "127.0.0.1:\(port)", "--rpc-addr", "127.0.0.1:\(rpcPort)",
            "--http-addr", "127.0.0.1:\(httpPort)",
        ]
        if let join { all += ["--join", "\(join)"] }
        process.executableURL = executable
        process.arguments = all + arguments
        let handle = try FileHandle(forWritingTo: logFile)
        process.standardOutput = handle
        process.standardError = handle
        try process.run()
    }

    /// Waits, at most `timeout` seconds, until the agent answers on its control endpoint; throws if it does not.
    func waitUntilReady(timeout: Double = 30) throws {
        guard waitUntil(timeout: timeout, { (try? control(["members"])) != nil }) else {
            throw SerfError("gossip agent \(name) did not start: \(log)")
        }
    }

    var log: String { (try? String(contentsOf: logFile, encoding: .utf8)) ?? "" }

    /// Runs `gossip ARGS --rpc-addr …` against this agent; returns its standard output, throws on failure.
    @discardableResult
    func control(_ arguments: [String]) throws -> String {
        let result = try BuiltExecutable.run(executable, arguments + ["--rpc-addr", rpcAddress])
        guard result.status == 0 else { throw SerfError("gossip \(arguments): \(result.error)") }
        return result.output
    }

    func kill9() { killAndWait(process) }

    deinit {
        kill9()
        try? FileManager.default.removeItem(at: logFile)
    }
}
