import ArgumentParser
import Foundation
import NIOCore
import NIOPosix

/// The `gossip` command-line tool.
@main
struct GossipCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gossip",
        abstract: "Gossip protocols in Swift: SWIM membership with memberlist's semantics, a simulator and tools.",
        version: GossipVersion.text,
        subcommands: [
            DemoCommand.self, AgentCommand.self, MembersCommand.self, JoinCommand.self, LeaveCommand.self,
            ForceLeaveCommand.self, EventCommand.self, QueryCommand.self, StreamCommand.self, TagsCommand.self,
            KeyValueCommand.self, AggregateCommand.self, KeysCommand.self, MonitorCommand.self, KeygenCommand.self,
            RTTCommand.self, BenchCommand.self, SimCommand.self, ScenarioCommand.self, VersionCommand.self,
        ],
        defaultSubcommand: DemoCommand.self)

    /// Runs the tool; a bad flag, value or parameter exits with status 2 after a clear message (the usual
    /// Unix status for misuse), other failures as ArgumentParser reports them.
    static func main() async {
        do {
            var command = try parseAsRoot()
            if command is AgentCommand {
                // The agent is an I/O process: its tasks run on SwiftNIO's event loops, where its sockets are,
                // rather than on a second pool of threads that every datagram and timer would hop to and back.
                NIOSingletons.unsafeTryInstallSingletonPosixEventLoopGroupAsConcurrencyGlobalExecutor()
            }
            if var asyncCommand = command as? AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch {
            if exitCode(for: error) == .validationFailure {
                FileHandle.standardError.write(Data((fullMessage(for: error) + "\n").utf8))
                Foundation.exit(2)
            }
            exit(withError: error)
        }
    }
}
