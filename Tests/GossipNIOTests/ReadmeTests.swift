import Foundation
import GossipTestKit
import Testing

/// The README's commands, run as a newcomer would paste them: every fenced shell block marked
/// `<!-- runnable -->` (a serf agent and our agent in the background, then Serf's and our commands against
/// them; then the learner's simulations), each command until it succeeds within a bound; and its Swift snippet
/// is the example program CI compiles.
@Suite("The README", .serialized)
struct ReadmeTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()
    static var gossip: URL? { BuiltExecutable.locate("gossip", packageRoot: root) }
    static var readme: String {
        (try? String(contentsOf: root.appendingPathComponent("README.md"), encoding: .utf8)) ?? ""
    }

    /// The commands of the runnable blocks, comments cut, in order.
    static func runnableCommands() -> [String] {
        var commands: [String] = []
        var marked = false
        var inside = false
        for line in readme.components(separatedBy: "\n") {
            if line == "<!-- runnable -->" {
                marked = true
            } else if marked, line.hasPrefix("```") {
                marked = false
                inside = true
            } else if inside, line.hasPrefix("```") {
                inside = false
            } else if inside {
                let command = line.replacingOccurrences(of: #"\s{2,}#.*$"#, with: "", options: .regularExpression)
                if !command.isEmpty { commands.append(command) }
            }
        }
        return commands
    }

    @Test("the README fits on two screens and points only inside the repository")
    func shape() {
        let lines = Self.readme.components(separatedBy: "\n")
        #expect(lines.count < 150)
        #expect(!Self.readme.contains("../shared"))
        for link in Self.readme.matches(of: /\]\((docs\/[^)#]+)/) {
            let path = Self.root.appendingPathComponent(String(link.1)).path
            #expect(FileManager.default.fileExists(atPath: path), "\(link.1)")
        }
    }

    @Test("the Swift snippet is the example program, which CI builds")
    func snippetIsTheExample() throws {
        let example = try String(
            contentsOf: Self.root.appendingPathComponent("Examples/Sources/MembershipLogger/main.swift"),
            encoding: .utf8)
        #expect(Self.readme.contains("```swift\n" + example + "```"))
    }

    @Test("the DocC tutorial and the module page quote the examples CI builds, word for word")
    func documentationQuotesTheExamples() throws {
        func read(_ path: String) throws -> String {
            try String(contentsOf: Self.root.appendingPathComponent(path), encoding: .utf8)
        }
        let tutorial = try read("Sources/GossipNIO/GossipNIO.docc/YourFirstNode.md")
        let overview = try read("Sources/GossipNIO/GossipNIO.docc/GossipNIO.md")
        for example in ["MembershipLogger", "StoreService", "SimulationFromCode"] {
            let code = try read("Examples/Sources/\(example)/main.swift")
            #expect(tutorial.contains("```swift\n" + code + "```"), "\(example)")
        }
        #expect(overview.contains("```swift\n" + (try read("Examples/Sources/StoreService/main.swift")) + "```"))
    }

    @Test(
        "every runnable command succeeds: a serf agent and ours, Serf's commands and ours, the simulations",
        .enabled(if: SerfAgent.isInstalled && gossip != nil), .timeLimit(.minutes(5)))
    func commandsRun() async throws {
        let commands = Self.runnableCommands()
        #expect(commands.contains { $0.hasPrefix("serf agent") } && commands.contains { $0.hasPrefix("gossip agent") })
        #expect(commands.contains { $0.hasPrefix("gossip sim") })
        let binaries = Self.gossip!.deletingLastPathComponent().path
        let failures: [String] = await onDedicatedThread {
            var environment = ProcessInfo.processInfo.environment
            environment["PATH"] = binaries + ":" + (environment["PATH"] ?? "/usr/bin:/bin")
            var background: [Process] = []
            var failures: [String] = []
            defer {
                for process in background where process.isRunning { process.interrupt() }
                for process in background { killAndWait(process) }
            }
            for command in commands {
                // The build and the PATH are the test's own.
                if command.hasPrefix("swift build") || command.hasPrefix("export ") { continue }
                if command.hasSuffix("&") {
                    let process = Process()
                    process.executableURL = URL(fileURLWithPath: "/bin/bash")
                    process.arguments = ["-c", "exec " + command.dropLast()]
                    process.environment = environment
                    process.standardOutput = FileHandle.nullDevice
                    process.standardError = FileHandle.nullDevice
                    do { try process.run() } catch { failures.append("\(command): \(error)") }
                    background.append(process)
                    continue
                }
                // Agents take a moment to start and to meet: each command is retried until it succeeds.
                var last = ""
                let succeeded = waitUntil(timeout: 60) {
                    guard let result = try? Self.shell(command, environment: environment) else { return false }
                    last = result.output + result.error
                    return result.status == 0
                }
                if !succeeded { failures.append("\(command): \(last)") }
            }
            return failures
        }
        #expect(failures.isEmpty, "\(failures)")
    }

    static func shell(_ command: String, environment: [String: String]) throws -> (
        status: Int32, output: String, error: String
    ) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/bash")
        process.arguments = ["-c", command]
        process.environment = environment
        let output = Pipe()
        let error = Pipe()
        process.standardOutput = output
        process.standardError = error
        try process.run()
        let out = output.fileHandleForReading.readDataToEndOfFile()
        let err = error.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: out, as: UTF8.self), String(decoding: err, as: UTF8.self))
    }
}
