import Dissemination
import GossipSimulator

/// Scenario 12: a payment gateway's data centres gossip within their zone and rarely across zones.
///
/// The same anti-entropy push-pull runs on a flat network (any data centre may call any other) and on a
/// hierarchical one (zones of equal size; a call leaves its zone with probability 5 %). Hierarchy cuts the
/// expensive cross-zone traffic sharply at the cost of a few rounds.
public enum PaymentNetwork: Scenario {
    /// The command-line name.
    public static let slug = "payment-network"
    /// The setting in a line.
    public static let setting = "a payment gateway's network of data centres and zones"
    /// What the scenario shows.
    public static let shows = "hierarchical gossip (within zone, across zones) against flat gossip"

    /// Nodes by mode when `--nodes` is not given.
    public static func defaultNodes(_ mode: ScenarioOptions.Mode) -> Int {
        switch mode {
        case .normal: return 2_000
        case .test: return 800
        case .benchmark: return 200_000
        }
    }

    /// Runs the scenario: its engines, story, summary, figures and invariants.
    public static func run(_ options: ScenarioOptions) -> ScenarioResult {
        let n = options.nodeCount(for: Self.self)
        let zones = 8
        let runs = options.mode == .benchmark ? 2 : 10
        var flat = RoundSimulation.Configuration(nodes: n, mode: .pushPull, forwarding: .forever)
        flat.topology = .zones(count: zones, crossZoneProbability: 1 - 1 / Double(zones))
        var zoned = flat
        zoned.topology = .zones(count: zones, crossZoneProbability: 0.05)
        if options.simulateFailures {
            flat.lossRate = 0.1
            zoned.lossRate = 0.1
        }
        var flatRuns: [RoundSimulation.Outcome] = []
        var zonedRuns: [RoundSimulation.Outcome] = []
        let wallSeconds = ScenarioSupport.timed {
            let flatEngine = RoundSimulation(flat)
            let zonedEngine = RoundSimulation(zoned)
            flatRuns = (0..<runs).map { flatEngine.run(seed: options.seed &+ UInt64($0)) }
            zonedRuns = (0..<runs).map { zonedEngine.run(seed: options.seed &+ UInt64($0)) }
        }
        func mean(_ runs: [RoundSimulation.Outcome], _ value: (RoundSimulation.Outcome) -> Double) -> Double {
            runs.reduce(0) { $0 + value($1) } / Double(runs.count)
        }
        let flatRounds = mean(flatRuns) { Double($0.roundsToFullCoverage ?? $0.rounds) }
        let zonedRounds = mean(zonedRuns) { Double($0.roundsToFullCoverage ?? $0.rounds) }
        let flatCross = mean(flatRuns) { Double($0.crossZoneMessages) }
        let zonedCross = mean(zonedRuns) { Double($0.crossZoneMessages) }
        let story = [
            "\(n) data centres of a payment gateway in \(zones) zones (Mumbai, Bengaluru, Chennai, Delhi, Hyderabad, Kolkata, Pune, Ahmedabad) share a new fraud rule.",
            "Flat gossip (any centre calls any other): every centre has the rule after \(ScenarioSupport.short(flatRounds)) rounds, with \(Int(flatCross)) calls crossing zones.",
            "Zoned gossip (a call leaves its zone 5% of the time): \(ScenarioSupport.short(zonedRounds)) rounds, \(Int(zonedCross)) cross-zone calls: \(ScenarioSupport.short(flatCross / max(zonedCross, 1)))× fewer on the expensive links.",
        ]
        let useful = mean(zonedRuns) { $0.efficiency }
        let summary = ScenarioSummary(
            nodes: n, totalMessages: (flatRuns + zonedRuns).reduce(0) { $0 + $1.messages },
            convergenceSeconds: zonedRounds, convergenceRounds: zonedRounds,
            coveragePercent: mean(zonedRuns) { $0.coverage } * 100, messageEfficiencyPercent: useful * 100)
        let figures = [
            ScenarioFigure("cross-zone messages, flat", flatCross, unit: "messages"),
            ScenarioFigure("cross-zone messages, zoned", zonedCross, unit: "messages"),
            ScenarioFigure("rounds to everyone, flat", flatRounds, unit: "rounds"),
            ScenarioFigure("rounds to everyone, zoned", zonedRounds, unit: "rounds"),
        ]
        let invariants = [
            ScenarioInvariant(
                "every data centre gets the rule, both ways", (flatRuns + zonedRuns).allSatisfy { $0.residue == 0 }),
            ScenarioInvariant("zoning cuts cross-zone traffic at least fivefold", flatCross >= 5 * zonedCross),
            ScenarioInvariant("zoning costs fewer than 10 extra rounds", zonedRounds - flatRounds < 10),
        ]
        let flatCurve = flatRuns[0].timeline.map { 1 - Double($0.susceptible) / Double(n) }
        let zonedCurve = zonedRuns[0].timeline.map { 1 - Double($0.susceptible) / Double(n) }
        let length = max(flatCurve.count, zonedCurve.count)
        var result = ScenarioResult(
            scenario: slug, setting: setting, options: options, story: story, summary: summary, figures: figures,
            invariants: invariants,
            timeline: Timeline(
                columns: ["round", "flat coverage", "zoned coverage"],
                rows: (0..<length).map {
                    [
                        Double($0), flatCurve[min($0, flatCurve.count - 1)],
                        zonedCurve[min($0, zonedCurve.count - 1)],
                    ]
                }),
            plots: [
                Plot(
                    title: "Data centres with the rule", xLabel: "round", yLabel: "share of data centres",
                    series: [
                        Series(name: "flat", x: flatCurve.indices.map(Double.init), y: flatCurve),
                        Series(name: "zoned (5% cross-zone)", x: zonedCurve.indices.map(Double.init), y: zonedCurve),
                    ])
            ])
        result.benchmark = ScenarioSupport.benchmark(
            options, seconds: wallSeconds, messages: (flatRuns + zonedRuns).reduce(0) { $0 + $1.messages })
        return result
    }
}
