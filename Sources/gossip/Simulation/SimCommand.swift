import ArgumentParser

/// `gossip sim`: the deterministic simulator.
struct SimCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sim",
        abstract: "Run the deterministic simulator: dissemination at scale, rumor mongering, SWIM clusters, papers.",
        subcommands: [
            SpreadSimCommand.self, RumorSimCommand.self, SWIMSimCommand.self, SerfSimCommand.self,
            VivaldiSimCommand.self, BroadcastSimCommand.self,
            PushSumSimCommand.self,
            DedupSimCommand.self,
            ReproduceCommand.self,
        ])
}
