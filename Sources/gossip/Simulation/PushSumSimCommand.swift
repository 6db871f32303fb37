import ArgumentParser
import Foundation
import GossipCore
import GossipSimulator

/// `gossip sim pushsum`: push-sum averaging (Kempe et al. 2003).
struct PushSumSimCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pushsum",
        abstract: "Average one value per node by push-sum and report the error round by round.")

    @Option(help: "Nodes (at least 2).")
    var nodes: Int = 10_000

    @Option(help: "Rounds per run.")
    var rounds: Int = 60

    @Option(help: "The relative error whose round is reported.")
    var epsilon: Double = 1e-6

    @Option(help: "complete, regular:D, partial-view:V, geometric:K or zones:Z:P.")
    var topology: String = "complete"

    @Option(help: "Independent runs.")
    var runs: Int = 5

    @Option(help: "Seed of the first run; values are uniform in [0, 100) from it.")
    var seed: UInt64 = 1

    @OptionGroup var output: SimOutputOptions

    func validate() throws {
        guard nodes >= 2 else { throw ValidationError("--nodes must be at least 2") }
        guard rounds >= 1, runs >= 1 else { throw ValidationError("--rounds and --runs must be at least 1") }
        guard epsilon > 0 && epsilon < 1 else { throw ValidationError("--epsilon must lie in (0, 1)") }
        guard Topology(argument: topology) != nil else { throw ValidationError("unknown --topology '\(topology)'") }
    }

    func run() throws {
        let engine = PushSumSimulation(nodes: nodes, topology: Topology(argument: topology)!, graphSeed: seed)
        var errors: [[Double]] = []
        var reached: [Double] = []
        let progress = Progress(total: runs)
        for run in 0..<runs {
            var rng = SeededRandom(seed: seed &+ UInt64(run), stream: 1)
            let values = (0..<nodes).map { _ in rng.nextUnitDouble() * 100 }
            let outcome = engine.run(values: values, rounds: rounds, targetError: epsilon, seed: seed &+ UInt64(run))
            errors.append(outcome.maximumRelativeError)
            if let round = outcome.roundsToTarget { reached.append(Double(round)) }
            progress.update(run + 1)
        }
        let meanError = averageTimeline(errors)
        let theory = log2(Double(nodes)) + log2(1 / epsilon)
        let summary = ["rounds to relative error \(formatNumber(epsilon))": Distribution(reached)]
        let report = SimulationReport(
            command: "pushsum",
            parameters: [
                "nodes": String(nodes), "rounds": String(rounds), "epsilon": formatNumber(epsilon),
                "topology": topology, "runs": String(runs), "seed": String(seed),
            ],
            summary: summary,
            timeline: Timeline(
                columns: ["round", "largest relative error (mean over runs)"],
                rows: meanError.enumerated().map { [Double($0.offset), $0.element] }),
            plots: [
                Plot(
                    title: "Push-sum: the worst node's relative error", xLabel: "round",
                    yLabel: "largest relative error over all nodes",
                    series: [Series(name: "push-sum", x: meanError.indices.map(Double.init), y: meanError)],
                    logarithmicY: true)
            ])
        try output.emit(
            report,
            text: [
                "push-sum over \(nodes) nodes (\(topology)), \(runs) run(s)",
                summaryLine("rounds to error \(formatNumber(epsilon))", summary.values.first!),
                "runs that reached it: \(reached.count) of \(runs); O(log n + log 1/ε) scale: log2 n + log2 1/ε = \(formatNumber(theory))",
            ])
    }
}
