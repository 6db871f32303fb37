import Dissemination
import Foundation
import GossipCore
import GossipSimulator

/// Scenario 8: a food-delivery platform averages delivery times across its kitchens by push-sum and raises an
/// alert when the average crosses a threshold.
///
/// Every kitchen starts with its own average delivery time (about 32 minutes); push-sum (Kempe et al.) makes every
/// kitchen's estimate converge on the city-wide mean. At round 40 rain slows a third of the kitchens by 15 minutes;
/// each kitchen raises the alert once its estimate passes 35 minutes, and the scenario reports how many rounds that
/// took, kitchen by kitchen. Alerts are armed after a warm-up of 2·log₂ n rounds, once estimates have mixed.
public enum DeliveryMetrics: Scenario {
    /// The command-line name.
    public static let slug = "delivery-metrics"
    /// The setting in a line.
    public static let setting = "a food-delivery platform aggregates delivery times and raises alerts"
    /// What the scenario shows.
    public static let shows = "metrics gossip, push-sum averaging, threshold alerts"

    /// Nodes by mode when `--nodes` is not given.
    public static func defaultNodes(_ mode: ScenarioOptions.Mode) -> Int {
        switch mode {
        case .normal: return 5_000
        case .test: return 1_000
        case .benchmark: return 200_000
        }
    }

    /// Runs the scenario: its engines, story, summary, figures and invariants.
    public static func run(_ options: ScenarioOptions) -> ScenarioResult {
        let n = options.nodeCount(for: Self.self)
        var rng = SeededRandom(seed: options.seed, stream: 8)
        let values = (0..<n).map { _ in 26 + 12 * rng.nextUnitDouble() }
        let threshold = 35.0
        let rainRound = 40
        let slowed = Set((0..<n).filter { $0 % 3 == 0 })
        var alertRound = [Int](repeating: -1, count: n)
        var falseAlerts = 0
        // An estimate is trusted once push-sum has had time to mix: alerts are armed from this round on.
        let warmUp = Int((2 * log2(Double(n))).rounded(.up))
        var outcome: PushSumSimulation.Outcome!
        // With failures, 1% of messages are lost, and the mass they carry with them: the estimate drifts.
        let engine = PushSumSimulation(nodes: n, lossRate: options.simulateFailures ? 0.01 : 0)
        let wallSeconds = ScenarioSupport.timed {
            outcome = engine.run(values: values, rounds: 90, targetError: 0.01, seed: options.seed) { round, state in
                if round == rainRound {
                    for node in slowed { state[node].sum += 15 * state[node].weight }
                }
                guard round >= warmUp else { return }
                for node in 0..<n where alertRound[node] < 0 {
                    guard let estimate = state[node].estimate, estimate > threshold else { continue }
                    if round < rainRound { falseAlerts += 1 } else { alertRound[node] = round }
                }
            }
        }
        let before = values.reduce(0, +) / Double(n)
        let after = before + 15 * Double(slowed.count) / Double(n)
        let latencies = alertRound.filter { $0 >= 0 }.map { Double($0 - rainRound) }
        let reached = outcome.roundsToTarget
        let lastAlert = latencies.max()
        let theory = log2(Double(n)) + log2(100)
        var story = [
            "\(n) kitchens each know their own average delivery time; the city-wide mean is \(ScenarioSupport.short(before)) minutes. Every round each kitchen keeps half of its (sum, weight) and sends half to a random kitchen.",
            "After \(reached.map(String.init) ?? "—") rounds every kitchen's estimate is within 1% of the truth.",
            "In round \(rainRound) rain slows \(slowed.count) kitchens by 15 minutes: the true mean becomes \(ScenarioSupport.short(after)) minutes, over the \(Int(threshold))-minute alert line.",
            "Every kitchen has raised the alert \(lastAlert.map { "\(Int($0)) rounds" } ?? "never") after the rain began (median \(latencies.isEmpty ? "—" : String(Int(Distribution(latencies).p50))) rounds).",
        ]
        if options.simulateFailures {
            story.append(
                "1% of messages were lost, and the share of sum and weight they carried with them: the estimates track the mass that remains."
            )
        }
        let summary = ScenarioSummary(
            nodes: n, totalMessages: outcome.messages, convergenceSeconds: reached.map(Double.init),
            convergenceRounds: reached.map(Double.init),
            coveragePercent: 100 * Double(latencies.count) / Double(n), messageEfficiencyPercent: 100)
        let figures = [
            ScenarioFigure(
                "rounds to 1% relative error", Double(reached ?? -1), unit: "rounds", theory: theory,
                theoryName: "O(log2 n + log2 1/ε) scale"),
            ScenarioFigure(
                "alert latency, median", latencies.isEmpty ? .nan : Distribution(latencies).p50, unit: "rounds"),
            ScenarioFigure("alert latency, last kitchen", lastAlert ?? .nan, unit: "rounds"),
            ScenarioFigure("false alerts between warm-up and rain", Double(falseAlerts), unit: "kitchens"),
        ]
        let invariants = [
            ScenarioInvariant(
                "every kitchen reaches 1% error within 2 (log2 n + log2 100) rounds",
                Double(reached ?? .max) <= 2 * theory),
            ScenarioInvariant("every kitchen raises the alert after the rain", latencies.count == n),
            ScenarioInvariant("no kitchen alerts between the warm-up (round \(warmUp)) and the rain", falseAlerts == 0),
        ]
        let errors = outcome.maximumRelativeError
        var result = ScenarioResult(
            scenario: slug, setting: setting, options: options, story: story, summary: summary, figures: figures,
            invariants: invariants,
            timeline: Timeline(
                columns: ["round", "largest relative error", "kitchens alerting"],
                rows: errors.indices.map { round in
                    [Double(round), errors[round], Double(alertRound.filter { $0 >= 0 && $0 <= round }.count)]
                }),
            plots: [
                Plot(
                    title: "The worst kitchen's relative error (rain at round \(rainRound))", xLabel: "round",
                    yLabel: "largest relative error",
                    series: [Series(name: "push-sum", x: errors.indices.map(Double.init), y: errors)],
                    logarithmicY: true),
                Plot(
                    title: "Kitchens that have raised the alert", xLabel: "round", yLabel: "kitchens",
                    series: [
                        Series(
                            name: "alerting", x: errors.indices.map(Double.init),
                            y: errors.indices.map { round in Double(alertRound.filter { $0 >= 0 && $0 <= round }.count)
                            })
                    ]),
            ])
        result.benchmark = ScenarioSupport.benchmark(options, seconds: wallSeconds, messages: outcome.messages)
        return result
    }
}
