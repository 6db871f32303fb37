import ArgumentParser
import Foundation
import GossipSimulator

/// `gossip sim vivaldi`: Serf's network coordinates on a synthetic planet.
struct VivaldiSimCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "vivaldi",
        abstract: "Run Serf's Vivaldi coordinates on a synthetic planet; measure how well they estimate round trips.",
        discussion: """
            Nodes gather around seven cities; a round trip is the fibre time along the great circle (routes 1.5 \
            times longer) plus both ends' access latency, with --jitter on every observation. Each round every node \
            probes one random other node and updates its coordinate, as Serf does on every probe. The report gives \
            the relative error |estimate − truth| / truth over sampled pairs, and the rounds it took to settle.

            Examples:
              gossip sim vivaldi --nodes 1000
              gossip sim vivaldi --nodes 10000 --rounds 1000 --format json
            """)

    @Option(help: "Nodes (at least 2).")
    var nodes: Int = 1000

    @Option(help: "Probe rounds; each node takes one observation per round.")
    var rounds: Int = 1000

    @Option(help: "The share by which each observed round trip varies, either way (0...1).")
    var jitter: Double = 0.05

    @Option(help: "Seed.")
    var seed: UInt64 = 1

    @OptionGroup var output: SimOutputOptions

    func validate() throws {
        guard nodes >= 2 else { throw ValidationError("--nodes must be at least 2") }
        guard rounds >= 1 else { throw ValidationError("--rounds must be at least 1") }
        guard (0..<1).contains(jitter) else { throw ValidationError("--jitter must lie in [0, 1)") }
    }

    func run() throws {
        var config = VivaldiSimulation.Configuration(nodes: nodes)
        config.rounds = rounds
        config.jitter = jitter
        let clock = ContinuousClock()
        let started = clock.now
        let outcome = VivaldiSimulation(config).run(seed: seed)
        let wall = (clock.now - started).secondsValue
        let summary: [String: Distribution] = [
            "median relative error": Distribution([outcome.medianError]),
            "90th percentile relative error": Distribution([outcome.p90Error]),
            "mean relative error": Distribution([outcome.meanError]),
            "rounds to settle": Distribution([Double(outcome.roundsToConverge)]),
            "coordinate resets": Distribution([Double(outcome.resets)]),
        ]
        let report = SimulationReport(
            command: "vivaldi",
            parameters: [
                "nodes": String(nodes), "rounds": String(rounds), "jitter": String(jitter), "seed": String(seed),
            ],
            summary: summary,
            timeline: Timeline(columns: ["round", "median relative error"], rows: outcome.timeline),
            plots: [
                Plot(
                    title: "Median relative error of the estimated round trips", xLabel: "probe round",
                    yLabel: "median |estimate − truth| / truth",
                    series: [
                        Series(name: "Vivaldi", x: outcome.timeline.map { $0[0] }, y: outcome.timeline.map { $0[1] })
                    ])
            ])
        var text = ["Vivaldi (Serf's model) on a synthetic planet: \(nodes) nodes, \(rounds) rounds, jitter \(jitter)"]
        for key in summary.keys.sorted() { text.append(summaryLine(key, summary[key]!)) }
        text.append(
            "wall time: \(String(format: "%.1f", wall)) s, "
                + "\(Int(Double(outcome.updates) / max(wall, 1e-9))) updates per wall second")
        try output.emit(report, text: text)
    }
}
