import Dissemination
import Foundation
import GossipSimulator

/// Scenario 11: cab availability spreads among drivers who talk only to the drivers nearest them.
///
/// Drivers are scattered over a city (the unit square, 20 km a side); each calls one of its 8 nearest drivers
/// per round (push-pull, anti-entropy), so news travels as a wavefront. The scenario measures the wavefront's speed
/// (distance from the origin against the round a driver learned) and coverage by district.
public enum CabDispatch: Scenario {
    /// The command-line name.
    public static let slug = "cab-dispatch"
    /// The setting in a line.
    public static let setting = "cab availability spreads among drivers in a city"
    /// What the scenario shows.
    public static let shows = "spatial epidemic: peers chosen by distance, SIR model"

    /// Nodes by mode when `--nodes` is not given.
    public static func defaultNodes(_ mode: ScenarioOptions.Mode) -> Int {
        switch mode {
        case .normal: return 5_000
        case .test: return 2_000
        case .benchmark: return 200_000
        }
    }

    /// Runs the scenario: its engines, story, summary, figures and invariants.
    public static func run(_ options: ScenarioOptions) -> ScenarioResult {
        let n = options.nodeCount(for: Self.self)
        let citySide = 20.0
        var config = RoundSimulation.Configuration(nodes: n, mode: .pushPull, forwarding: .forever)
        config.topology = .geometric(neighbours: 8)
        config.recordsLearnedRounds = true
        if options.simulateFailures { config.lossRate = 0.2 }
        let engine = RoundSimulation(config, graphSeed: options.seed)
        let positions = engine.graph.positions
        // The driver nearest the city centre starts.
        let origin = (0..<n).min {
            hypot(Double(positions[2 * $0]) - 0.5, Double(positions[2 * $0 + 1]) - 0.5)
                < hypot(Double(positions[2 * $1]) - 0.5, Double(positions[2 * $1 + 1]) - 0.5)
        }!
        var outcome: RoundSimulation.Outcome!
        let wallSeconds = ScenarioSupport.timed {
            outcome = engine.run(seed: options.seed, origin: origin)
        }
        let learned = outcome.learnedRounds!
        let ox = Double(positions[2 * origin])
        let oy = Double(positions[2 * origin + 1])
        let distance = (0..<n).map {
            hypot(Double(positions[2 * $0]) - ox, Double(positions[2 * $0 + 1]) - oy) * citySide
        }
        // Wavefront: the mean distance of drivers who learned in each round; its slope is the speed.
        let rounds = outcome.tLast
        var front: [Double] = []
        for round in 1...max(rounds, 1) {
            let reached = (0..<n).filter { learned[$0] >= 0 && learned[$0] <= round }.map { distance[$0] }
            front.append(reached.max() ?? 0)
        }
        let half = max(1, front.count / 2)
        let speed = (front[half - 1] - front[0]) / Double(max(half - 1, 1))
        var districts = [Int](repeating: 0, count: 9)
        var districtReached = [Int](repeating: 0, count: 9)
        for node in 0..<n {
            let column = min(2, Int(Double(positions[2 * node]) * 3))
            let row = min(2, Int(Double(positions[2 * node + 1]) * 3))
            districts[row * 3 + column] += 1
            if learned[node] >= 0 { districtReached[row * 3 + column] += 1 }
        }
        let names = ["Andheri", "Powai", "Mulund", "Bandra", "Kurla", "Ghatkopar", "Colaba", "Dadar", "Chembur"]
        let coverageByDistrict = (0..<9).map { Double(districtReached[$0]) / Double(max(districts[$0], 1)) }
        let story = [
            "\(n) drivers over a \(Int(citySide)) km city each talk to one of their 8 nearest drivers per round.",
            "A cab frees up near the centre. The news moves out as a wavefront at about \(ScenarioSupport.short(speed)) km per round and reaches the farthest driver, \(ScenarioSupport.short(distance.max()!)) km away, after \(outcome.tLast) rounds (on a city where everyone talks to everyone it would take about \(Int((log(Double(n)) / log(3)).rounded(.up)) + 2)).",
            "Coverage by district: "
                + (0..<9).map { "\(names[$0]) \(Int((coverageByDistrict[$0] * 100).rounded()))%" }.joined(
                    separator: ", ") + ".",
        ]
        let summary = ScenarioSummary(
            nodes: n, totalMessages: outcome.messages,
            convergenceSeconds: outcome.roundsToFullCoverage.map(Double.init),
            convergenceRounds: outcome.roundsToFullCoverage.map(Double.init), coveragePercent: outcome.coverage * 100,
            messageEfficiencyPercent: outcome.efficiency * 100)
        let figures =
            [
                ScenarioFigure("wavefront speed", speed, unit: "km per round"),
                ScenarioFigure("rounds to the farthest driver", Double(outcome.tLast), unit: "rounds"),
            ] + (0..<9).map { ScenarioFigure("coverage, \(names[$0])", coverageByDistrict[$0] * 100, unit: "%") }
        let invariants = [
            ScenarioInvariant("every driver hears of the cab", outcome.residue == 0),
            ScenarioInvariant(
                "the news travels as a wavefront: it reaches farther each round",
                zip(front, front.dropFirst()).allSatisfy { $0 <= $1 }),
            ScenarioInvariant(
                "spatial spread is slower than everyone-talks-to-everyone",
                Double(outcome.tLast) > log(Double(n)) / log(3) + 2),
        ]
        var result = ScenarioResult(
            scenario: slug, setting: setting, options: options, story: story, summary: summary, figures: figures,
            invariants: invariants,
            timeline: Timeline(
                columns: ["round", "wavefront distance km"],
                rows: front.enumerated().map { [Double($0.offset + 1), $0.element] }),
            plots: [
                Plot(
                    title: "The wavefront: farthest driver reached", xLabel: "round",
                    yLabel: "distance from the start (km)",
                    series: [Series(name: "wavefront", x: front.indices.map { Double($0 + 1) }, y: front)]),
                Plot(
                    title: "Drivers who know, by round", xLabel: "round", yLabel: "share of drivers",
                    series: [
                        Series(
                            name: "informed", x: outcome.timeline.indices.map(Double.init),
                            y: outcome.timeline.map { 1 - Double($0.susceptible) / Double(n) })
                    ]),
            ])
        result.benchmark = ScenarioSupport.benchmark(options, seconds: wallSeconds, messages: outcome.messages)
        return result
    }
}
