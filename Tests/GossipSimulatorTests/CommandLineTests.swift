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
            (["sim", "serf", "--partition", "30s"], "START:DURATION"),
            (["sim", "serf", "--partition", "100s:60s", "--duration", "120s"], "heal before the end"),
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

@Suite("gossip agent's errors on the command line")
struct AgentErrorTests {
    static func configFile(_ text: String) throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("agent-\(UUID()).json").path
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
        return path
    }

    @Test(
        "a config file with a mistake names the line and column, a duplicate key or the wrong type",
        arguments: [
            ("{\n  \"node_name\": \"a\",\n  \"bind\" \"127.0.0.1:7946\"\n}", "line 3, column 10: expected ':'"),
            (
                "{\n  \"node_name\": \"a\",\n  \"node_name\": \"b\"\n}",
                "duplicate key 'node_name' (first given on line 2)"
            ),
            ("{\"node_name\": \"a\", \"rejoin_after_leave\": 1}", "'rejoin_after_leave' must be true or false"),
            ("{\"node_name\": \"a\",}", "line 1, column 19: expected a key"),
            ("[\"node_name\"]", "must hold one JSON object"),
            ("{\"node_name\": \"a\"", "the file ends where"),
        ])
    func badConfigFile(text: String, mention: String) throws {
        let path = try Self.configFile(text)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let (status, _, error) = try runGossip(["agent", "--config", path])
        #expect(status == 2)
        #expect(error.contains(mention), "\(error)")
    }

    @Test("--broadcast takes serf or plumtree, and plumtree needs Serf's layer")
    func broadcastMode() throws {
        let (status, _, error) = try runGossip(["agent", "--node", "x", "--broadcast", "flood"])
        #expect(status == 2)
        #expect(error.contains("--broadcast must be serf or plumtree, not 'flood'"), "\(error)")
        let (plainStatus, _, plainError) = try runGossip([
            "agent", "--node", "x", "--broadcast", "plumtree", "--plain-memberlist",
        ])
        #expect(plainStatus == 2)
        #expect(plainError.contains("--broadcast plumtree needs Serf's layer"), "\(plainError)")
    }

    @Test("a join address whose port is out of range says so, rather than that it does not resolve")
    func joinPort() throws {
        let (status, _, error) = try runGossip(["agent", "--node", "x", "--join", "127.0.0.1:99999"])
        #expect(status == 2)
        #expect(error.contains("the port '99999' is not a port number from 1 to 65535"), "\(error)")
    }

    @Test("an address in use names the listener that could not open and the system's reason")
    func addressInUse() throws {
        // Hold a TCP port (the gossip port's stream listener, and then the control endpoint's).
        let holder = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(holder) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(holder, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        #expect(bound == 0)
        #expect(listen(holder, 1) == 0)
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(holder, $0, &length) }
        }
        let port = UInt16(bigEndian: address.sin_port)
        let (status, _, error) = try runGossip([
            "agent", "--node", "x", "--bind", "127.0.0.1:0", "--rpc-addr", "127.0.0.1:\(port)",
        ])
        #expect(status != 0)
        #expect(
            error.contains("control endpoint (RPC) listener on 127.0.0.1:\(port): EADDRINUSE: Address already in use"),
            "\(error)")
    }
}
