import ArgumentParser
import Dissemination
import Foundation
import GossipSimulator

/// `gossip sim spread`: push, pull or push-pull on a complete graph, at up to 10⁸ nodes.
struct SpreadSimCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "spread",
        abstract: "Spread one update by push, pull or push-pull on a complete graph in synchronous rounds.",
        discussion: "Uses the bit-set kernel: a quarter of a byte per node, 10^7 nodes in about a second.")

    @Option(help: "push, pull or push-pull.")
    var `protocol`: Dissemination.Mode = .pushPull

    @Option(help: "Nodes (at least 2).")
    var nodes: Int = 1_000_000

    @Option(help: "Independent runs (seeds seed, seed+1, ...).")
    var runs: Int = 1

    @Option(help: "Seed of the first run.")
    var seed: UInt64 = 1

    @OptionGroup var output: SimOutputOptions

    func validate() throws {
        guard nodes >= 2 else { throw ValidationError("--nodes must be at least 2") }
        guard nodes <= 1 << 31 else { throw ValidationError("--nodes must be at most 2^31") }
        guard runs >= 1 else { throw ValidationError("--runs must be at least 1") }
    }

    func run() throws {
        let kernel = SpreadKernel(nodes: nodes, mode: `protocol`)
        let progress = Progress(total: runs)
        var rounds: [Int] = []
        var deliveries: [Double] = []
        var coverage: [[Double]] = []
        for run in 0..<runs {
            let outcome = kernel.run(seed: seed &+ UInt64(run))
            rounds.append(outcome.rounds)
            deliveries.append(Double(outcome.deliveries) / Double(nodes))
            coverage.append(outcome.informedAfterRound.map { Double($0) / Double(nodes) })
            progress.update(run + 1)
        }
        let meanCoverage = averageTimeline(coverage)
        let summary = [
            "rounds": Distribution(rounds),
            "deliveries per node": Distribution(deliveries),
        ]
        let n = Double(nodes)
        let theory: String
        switch `protocol` {
        case .push: theory = "log2 n + ln n = \(formatNumber(log2(n) + log(n))) (Pittel)"
        case .pull: theory = "log2 n + log2 ln n = \(formatNumber(log2(n) + log2(log(n))))"
        case .pushPull: theory = "log3 n + log2 ln n = \(formatNumber(log(n) / log(3) + log2(log(n)))) (Karp et al.)"
        }
        let report = SimulationReport(
            command: "spread",
            parameters: [
                "protocol": `protocol`.rawValue, "nodes": String(nodes), "runs": String(runs), "seed": String(seed),
                "topology": "complete", "model": "synchronous rounds, one random call per node per round",
            ],
            summary: summary,
            timeline: Timeline(
                columns: ["round", "informed share (mean)"],
                rows: meanCoverage.enumerated().map { [Double($0.offset), $0.element] }),
            plots: [
                Plot(
                    title: "Coverage over rounds (\(`protocol`.rawValue), n = \(nodes), mean of \(runs) runs)",
                    xLabel: "round", yLabel: "informed share of nodes",
                    series: [
                        Series(
                            name: `protocol`.rawValue, x: meanCoverage.indices.map(Double.init), y: meanCoverage)
                    ]),
                Plot(
                    title: "Uninformed share over rounds (log scale): the late-phase tail",
                    xLabel: "round", yLabel: "uninformed share of nodes",
                    series: [
                        Series(
                            name: `protocol`.rawValue, x: meanCoverage.indices.map(Double.init),
                            y: meanCoverage.map { 1 - $0 })
                    ], logarithmicY: true),
            ])
        try output.emit(
            report,
            text: [
                "\(`protocol`.rawValue) on a complete graph of \(nodes) nodes, \(runs) run(s) from seed \(seed)",
                summaryLine("rounds to full coverage", summary["rounds"]!),
                summaryLine("deliveries per node", summary["deliveries per node"]!),
                "theory: \(theory) + O(1)",
            ])
    }
}

extension Dissemination.Mode: ExpressibleByArgument {}
