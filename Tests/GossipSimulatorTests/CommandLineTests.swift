import Foundation
import GossipTestKit
import Testing

/// The `gossip` executable that `swift build` / `swift test` put beside the test bundle.
func gossipExecutable() -> URL? {
    BuiltExecutable.locate(
        "gossip",
        packageRoot: URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent())
}

/// Runs `gossip` with `arguments`; returns the exit status, standard output and standard error.
func runGossip(_ arguments: [String]) throws -> (Int32, String, String) {
    let executable = try #require(gossipExecutable(), "the gossip executable is built by swift build / swift test")
    let result = try BuiltExecutable.run(executable, arguments)
    return (result.status, result.output, result.error)
}

@Suite("gossip sim on the command line")
struct CommandLineTests {
    @Test(
        "a bad flag or an impossible parameter gives a clear error and exit status 2",
        arguments: [
            (["sim", "rumor", "--k", "0", "--nodes", "100"], "--k"),
            (["sim", "rumor", "--p", "1.5", "--nodes", "100"], "--p"),
            (["sim", "spread", "--nodes", "0"], "--nodes"),
            (["sim", "spread", "--frobnicate"], "frobnicate"),
            (["sim", "swim", "--latency", "soon"], "--latency"),
            (["sim", "reproduce", "nobody"], "unknown reproduction"),
            (["scenario", "run", "no-such-scenario"], "unknown scenario"),
            (["sim", "swim", "--duration", "1e30h"], "not a duration"),
            (["agent", "--node", "x", "--reconnect-timeout", "1e30h"], "reconnect timeout"),
            (["agent", "--node", "x", "--alert", "median(cpu) > 3"], "alert function 'median'"),
            (["agent", "--node", "x", "--anti-entropy-interval", "0s"], "anti-entropy interval"),
            (["keys", "--install", "not-a-key"], "not a base64 AES key"),
            (["kv", "incr", "seats", "many"], "many"),
        ])
    func badInput(arguments: [String], mention: String) throws {
        let (status, _, error) = try runGossip(arguments)
        #expect(status == 2)
        #expect(error.contains(mention))
    }

    @Test("the same seed gives the same JSON twice, and the JSON is one object of the documented schema")
    func deterministicJSON() throws {
        let arguments = [
            "sim", "rumor", "--variant", "blind-coin", "--k", "2", "--nodes", "500", "--runs", "5",
            "--seed", "9", "--format", "json",
        ]
        let (status, first, _) = try runGossip(arguments)
        let (_, second, _) = try runGossip(arguments)
        #expect(status == 0)
        #expect(first == second)
        let object = try JSONSerialization.jsonObject(with: Data(first.utf8)) as? [String: Any]
        #expect(object?["schema"] as? String == "swift-gossip/sim-report/1")
        #expect((object?["summary"] as? [String: Any])?["residue s"] != nil)
    }

    @Test("a failing reproduction row makes the exit status non-zero; a passing one zero")
    func reproduceStatus() throws {
        let (status, output, _) = try runGossip(["sim", "reproduce", "spreading", "--quick"])
        #expect(status == 0)
        #expect(output.contains("PASS") && !output.contains("FAIL"))
    }
}
