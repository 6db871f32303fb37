import GossipSimulator

/// Scenario 13: live train status to millions of users, with Bloom-filter duplicate suppression.
///
/// Status updates are injected at random users' devices and relayed once to four random others (infect-and-die);
/// every device remembers what it has relayed in a Bloom filter of fixed size instead of a growing set. The
/// scenario counts the duplicates the filters suppress and the updates they drop by false positives, and compares
/// the filters' false-positive rate with its formula.
public enum TrainStatusScale: Scenario {
    /// The command-line name.
    public static let slug = "train-status-scale"
    /// The setting in a line.
    public static let setting = "live train status to millions of users"
    /// What the scenario shows.
    public static let shows = "scalable gossip, bloom-filter deduplication, rate limiting"

    /// Nodes by mode when `--nodes` is not given.
    public static func defaultNodes(_ mode: ScenarioOptions.Mode) -> Int {
        switch mode {
        case .normal: return 100_000
        case .test: return 5_000
        case .benchmark: return 1_000_000
        }
    }

    /// Runs the scenario: its engines, story, summary, figures and invariants.
    public static func run(_ options: ScenarioOptions) -> ScenarioResult {
        let n = options.nodeCount(for: Self.self)
        var config = BloomDedupSimulation.Configuration(nodes: n, updates: 60)
        config.fanout = 4
        config.bloomBits = 1_024
        config.bloomHashes = 4
        if options.simulateFailures { config.lossRate = 0.1 }
        var outcome: BloomDedupSimulation.Outcome!
        let wallSeconds = ScenarioSupport.timed {
            outcome = BloomDedupSimulation(config).run(seed: options.seed)
        }
        let perUser = Double(outcome.messages) / Double(n)
        let story = [
            "\(config.updates) status updates (\"12951 Mumbai Rajdhani running 25 min late at Vadodara\") start at random phones among \(n) users.",
            "Each phone relays an update once, to \(config.fanout) random phones, and remembers it in a \(outcome.filterBytesPerNode)-byte Bloom filter instead of a list that grows.",
            "Phones received \(ScenarioSupport.short(Double(outcome.duplicatesSuppressed) / Double(n))) copies each that they recognised and did not relay again; \(outcome.falsePositives) times a phone mistook a new update for one it had seen, so each update reached \(ScenarioSupport.short(outcome.coverage * 100))% of phones.",
        ]
        let summary = ScenarioSummary(
            nodes: n, totalMessages: outcome.messages, convergenceSeconds: Double(outcome.rounds),
            convergenceRounds: Double(outcome.rounds), coveragePercent: outcome.coverage * 100,
            messageEfficiencyPercent: 100 * Double(outcome.deliveries) / Double(max(outcome.messages, 1)))
        let figures = [
            ScenarioFigure("duplicates suppressed", Double(outcome.duplicatesSuppressed), unit: "messages"),
            ScenarioFigure("messages per user", perUser, unit: "messages"),
            ScenarioFigure(
                "Bloom false-positive rate (probed)", outcome.probedFalsePositiveRate, unit: "share",
                theory: outcome.probedExpectedRate, theoryName: "(1 − e^(−k·n/m))^k"),
            ScenarioFigure(
                "Bloom false-positive rate given each filter's fill", outcome.probedFillRate, unit: "share",
                theory: outcome.probedExpectedRate, theoryName: "(1 − e^(−k·n/m))^k"),
            ScenarioFigure("false positives per unseen lookup in flight", outcome.falsePositiveRate, unit: "share"),
            ScenarioFigure("filter bytes per user", Double(outcome.filterBytesPerNode), unit: "bytes"),
        ]
        let invariants = [
            ScenarioInvariant("updates reach over 85% of users", outcome.coverage > 0.85),
            ScenarioInvariant(
                "most copies received are suppressed duplicates", outcome.duplicatesSuppressed > outcome.deliveries / 2),
            ScenarioInvariant(
                "probed false-positive rate within 25% of (bits set / m)^k",
                abs(outcome.probedFalsePositiveRate - outcome.probedFillRate) <= 0.25 * outcome.probedFillRate),
            ScenarioInvariant(
                "the filters' fill gives a rate within a factor of 2 of the formula",
                outcome.probedFillRate <= 2 * outcome.probedExpectedRate
                    && outcome.probedExpectedRate <= 2 * outcome.probedFillRate),
        ]
        var result = ScenarioResult(
            scenario: slug, setting: setting, options: options, story: story, summary: summary, figures: figures,
            invariants: invariants,
            timeline: Timeline(
                columns: ["measure", "value"],
                rows: [
                    [0, Double(outcome.deliveries)], [1, Double(outcome.duplicatesSuppressed)],
                    [2, Double(outcome.falsePositives)],
                ]),
            plots: [
                Plot(
                    title: "Where the copies went (0 delivered, 1 suppressed duplicates, 2 false positives)",
                    xLabel: "kind of receipt", yLabel: "copies",
                    series: [
                        Series(
                            name: "copies", x: [0, 1, 2],
                            y: [
                                Double(outcome.deliveries), Double(outcome.duplicatesSuppressed),
                                Double(outcome.falsePositives),
                            ])
                    ]),
                Plot(
                    title: "Bloom false-positive rate: probed against the formula", xLabel: "0 probed, 1 formula",
                    yLabel: "false-positive rate",
                    series: [
                        Series(
                            name: "rate", x: [0, 1], y: [outcome.probedFalsePositiveRate, outcome.probedExpectedRate])
                    ]),
            ])
        result.benchmark = ScenarioSupport.benchmark(options, seconds: wallSeconds, messages: outcome.messages)
        return result
    }
}
