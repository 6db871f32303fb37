import ArgumentParser
import GossipSimulator

/// `gossip sim dedup`: many updates with Bloom-filter duplicate suppression.
struct DedupSimCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dedup",
        abstract: "Spread many updates with a fixed-size Bloom filter per node suppressing duplicates.")

    @Option(help: "Nodes (at least 2).")
    var nodes: Int = 10_000

    @Option(help: "Updates injected at random nodes.")
    var updates: Int = 100

    @Option(help: "Peers each node forwards an update to, once.")
    var fanout: Int = 4

    @Option(help: "Bits of each node's Bloom filter.")
    var bloomBits: Int = 1024

    @Option(help: "Hash functions of each node's Bloom filter.")
    var bloomHashes: Int = 4

    @Option(help: "Seed.")
    var seed: UInt64 = 1

    @OptionGroup var output: SimOutputOptions

    func validate() throws {
        guard nodes >= 2 else { throw ValidationError("--nodes must be at least 2") }
        guard updates >= 1 else { throw ValidationError("--updates must be at least 1") }
        guard fanout >= 1 else { throw ValidationError("--fanout must be at least 1") }
        guard bloomBits >= 64, bloomHashes >= 1 else {
            throw ValidationError("--bloom-bits must be at least 64 and --bloom-hashes at least 1")
        }
    }

    func run() throws {
        var config = BloomDedupSimulation.Configuration(nodes: nodes, updates: updates)
        config.fanout = fanout
        config.bloomBits = bloomBits
        config.bloomHashes = bloomHashes
        let outcome = BloomDedupSimulation(config).run(seed: seed)
        let summary: [String: Distribution] = [
            "messages per node": Distribution([Double(outcome.messages) / Double(nodes)]),
            "duplicates suppressed per node": Distribution([Double(outcome.duplicatesSuppressed) / Double(nodes)]),
            "false positives": Distribution([Double(outcome.falsePositives)]),
            "false positives per unseen lookup": Distribution([outcome.falsePositiveRate]),
            "filter false-positive rate, probed": Distribution([outcome.probedFalsePositiveRate]),
            "filter false-positive rate, formula": Distribution([outcome.probedExpectedRate]),
            "coverage per update": Distribution([outcome.coverage]),
            "rounds": Distribution([Double(outcome.rounds)]),
        ]
        let report = SimulationReport(
            command: "dedup",
            parameters: [
                "nodes": String(nodes), "updates": String(updates), "fanout": String(fanout),
                "bloom bits": String(bloomBits), "bloom hashes": String(bloomHashes), "seed": String(seed),
            ],
            summary: summary, timeline: Timeline(columns: ["round"], rows: []), plots: [])
        var text = [
            "\(updates) updates over \(nodes) nodes, fanout \(fanout), Bloom filters of \(bloomBits) bits (\(outcome.filterBytesPerNode) bytes) and \(bloomHashes) hashes"
        ]
        for key in summary.keys.sorted() { text.append(summaryLine(key, summary[key]!)) }
        try output.emit(report, text: text)
    }
}
