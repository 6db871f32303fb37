import GossipSimulator
import SWIM

/// Scenario 3: flooding cuts a city's network in two, later restored.
///
/// A SWIM cluster is split in halves for three minutes. A node suspects a partition once more than 30 % of its
/// peers have gone silent; after the repair, Serf-style reconnect attempts and push-pull bring every node back,
/// and nothing is lost: every node that was up lists every other as alive again.
public enum MonsoonPartition: Scenario {
    /// The command-line name.
    public static let slug = "monsoon-partition"
    /// The setting in a line.
    public static let setting = "flooding cuts a city's network in two, later restored"
    /// What the scenario shows.
    public static let shows = "partition detection (a large share of peers silent), gossip healing, rejoin"

    /// Nodes by mode when `--nodes` is not given.
    public static func defaultNodes(_ mode: ScenarioOptions.Mode) -> Int {
        switch mode {
        case .normal: return 200
        case .test: return 40
        case .benchmark: return 1_000
        }
    }

    /// Runs the scenario: its engines, story, summary, figures and invariants.
    public static func run(_ options: ScenarioOptions) -> ScenarioResult {
        let n = options.nodeCount(for: Self.self)
        var config = SWIMExperiment.Configuration(nodes: n)
        config.partition = (.seconds(20), .seconds(180))
        config.duration = .seconds(420)
        if options.simulateFailures { config.network.lossRate = 0.05 }
        var outcome: SWIMExperiment.Outcome!
        let wallSeconds = ScenarioSupport.timed {
            outcome = SWIMExperiment(config).run(seed: options.seed)
        }
        let alive = outcome.aliveSeenByFirst
        let threshold = Int(0.7 * Double(n))
        let splitSeen = alive.indices.first { $0 >= 20 && alive[$0] < threshold }
        let detection = splitSeen.map { Double($0 - 20) }
        let healed = outcome.partitionConvergenceSeconds
        let story = [
            "\(n) offices across Mumbai run one membership cluster. At 20 s the monsoon floods the exchange between the island city and the suburbs: the network splits in two halves of \(n / 2).",
            "Office 0 finds more than 30% of its peers silent \(detection.map { "\(Int($0)) s" } ?? "never") after the flood and flags a likely partition; each half goes on working on its own.",
            "At 200 s the line is repaired. Reconnect attempts and push-pull exchanges bring the halves together: every office lists every other as alive again \(healed.map { "\(ScenarioSupport.short($0)) s" } ?? "—") after the repair.",
        ]
        let summary = ScenarioSummary(
            nodes: n, totalMessages: outcome.packets, convergenceSeconds: healed, convergenceRounds: healed,
            coveragePercent: Double(alive.last ?? 0) / Double(n) * 100,
            messageEfficiencyPercent: 100 * (1 - Double(outcome.failedProbes) / Double(max(outcome.probes, 1))))
        let figures = [
            ScenarioFigure("time to detect the split (30% silent)", detection ?? .nan, unit: "s"),
            ScenarioFigure("time to reconverge after healing", healed ?? .nan, unit: "s"),
            ScenarioFigure("alive at the end, as office 0 sees it", Double(alive.last ?? 0), unit: "offices"),
            ScenarioFigure("verdicts across the split", Double(outcome.partitionVerdicts), unit: "events"),
        ]
        let invariants = [
            ScenarioInvariant("the split is detected", detection != nil),
            ScenarioInvariant("the cluster reconverges after healing", healed != nil),
            ScenarioInvariant("nothing is lost: every office is alive at the end", alive.last == n),
            ScenarioInvariant("no false positives outside the split", outcome.falseDeaths == 0),
        ]
        let seconds = alive.indices.map(Double.init)
        var result = ScenarioResult(
            scenario: slug, setting: setting, options: options, story: story, summary: summary, figures: figures,
            invariants: invariants,
            timeline: Timeline(
                columns: ["second", "offices office 0 lists as alive"],
                rows: seconds.indices.map { [seconds[$0], Double(alive[$0])] }),
            plots: [
                Plot(
                    title: "Offices that office 0 lists as alive (split at 20 s, repaired at 200 s)",
                    xLabel: "seconds", yLabel: "alive offices",
                    series: [
                        Series(name: "office 0's view", x: seconds, y: alive.map(Double.init)),
                        Series(
                            name: "30% silent threshold", x: [0, seconds.last ?? 0],
                            y: [Double(threshold), Double(threshold)]),
                    ])
            ])
        result.benchmark = ScenarioSupport.benchmark(options, seconds: wallSeconds, messages: outcome.packets)
        return result
    }
}
