import ArgumentParser

/// The `gossip` command-line tool.
@main
struct GossipCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gossip",
        abstract: "Gossip protocols in Swift: SWIM membership with memberlist's semantics, a simulator and tools.",
        subcommands: [
            DemoCommand.self, AgentCommand.self, MembersCommand.self, JoinCommand.self, LeaveCommand.self,
            ForceLeaveCommand.self, EventCommand.self, QueryCommand.self, StreamCommand.self, TagsCommand.self,
            KeygenCommand.self, BenchCommand.self,
        ],
        defaultSubcommand: DemoCommand.self)
}
