import Dissemination
import GossipSimulator

/// Scenario 5: a forward spreads through messaging groups, and a fact-check chases it.
///
/// Users sit in overlapping groups (a random graph, 16 contacts each) and forward a rumor to two contacts per
/// round until they lose interest. First the four rumor-mongering variants of Demers et al. (feedback or blind,
/// counter or coin, k = 2) are compared by residue and traffic; then a fact-check starts a few rounds after the
/// rumor and spreads by push-pull; a user who has it stops forwarding the rumor and no longer believes it. The
/// scenario reports the rumor's reproduction number R0 and the share of users who believed it before the
/// correction reached them, for several delays.
public enum ViralRumor: Scenario {
    /// The command-line name.
    public static let slug = "viral-rumor"
    /// The setting in a line.
    public static let setting = "a forward spreads through messaging groups; a fact-check chases it"
    /// What the scenario shows.
    public static let shows =
        "rumor mongering (feedback/blind, counter/coin), R0, a correction that supersedes the rumor"

    /// Nodes by mode when `--nodes` is not given.
    public static func defaultNodes(_ mode: ScenarioOptions.Mode) -> Int {
        switch mode {
        case .normal: return 20_000
        case .test: return 3_000
        case .benchmark: return 500_000
        }
    }

    /// Runs the scenario: its engines, story, summary, figures and invariants.
    public static func run(_ options: ScenarioOptions) -> ScenarioResult {
        let n = options.nodeCount(for: Self.self)
        let topology = Topology.randomRegular(degree: 16)
        let variants = ["feedback-counter", "feedback-coin", "blind-counter", "blind-coin"]
        let delays = [2, 4, 6, 8]
        var variantOutcomes: [RoundSimulation.Outcome] = []
        var chases: [CompetingRumorsSimulation.Outcome] = []
        let wallSeconds = ScenarioSupport.timed {
            for variant in variants {
                var config = RoundSimulation.Configuration(
                    nodes: n, mode: .push, forwarding: .rumor(.init(variant: variant, k: 2)!))
                config.fanout = .fixed(2)
                config.topology = topology
                if options.simulateFailures { config.lossRate = 0.1 }
                variantOutcomes.append(RoundSimulation(config, graphSeed: options.seed).run(seed: options.seed))
            }
            for delay in delays {
                var config = CompetingRumorsSimulation.Configuration(
                    nodes: n, rumorPolicy: .init(feedback: .feedback, lossOfInterest: .counter, k: 2))
                config.correctionDelay = delay
                config.topology = topology
                config.correctionFanout = 2
                chases.append(CompetingRumorsSimulation(config, graphSeed: options.seed).run(seed: options.seed))
            }
        }
        let r0 = chases[0].reproductionNumber
        var story = [
            "A forward (\"Bank holiday extended to Friday!\") starts with one of \(n) users; each forwards it to 2 contacts a round until losing interest (k = 2)."
        ]
        for (variant, outcome) in zip(variants, variantOutcomes) {
            story.append(
                "  \(variant): \(ScenarioSupport.short(outcome.residue * 100))% never see it, \(ScenarioSupport.short(outcome.traffic)) forwards per user."
            )
        }
        story.append("Early believers pass it to R0 = \(ScenarioSupport.short(r0)) new believers each.")
        for (delay, chase) in zip(delays, chases) {
            story.append(
                "A fact-check starting \(delay) rounds in: \(ScenarioSupport.short(chase.believedBeforeCorrection * 100))% believed the rumor before the correction reached them; the correction reaches \(ScenarioSupport.short(chase.sawCorrection * 100))%."
            )
        }
        let main = variantOutcomes[0]
        let summary = ScenarioSummary(
            nodes: n,
            totalMessages: variantOutcomes.reduce(0) { $0 + $1.messages }
                + chases.reduce(0) { $0 + $1.rumorMessages + $1.correctionMessages },
            convergenceSeconds: Double(main.rounds), convergenceRounds: Double(main.rounds),
            coveragePercent: main.coverage * 100, messageEfficiencyPercent: main.efficiency * 100)
        var figures = zip(variants, variantOutcomes).flatMap { variant, outcome in
            [
                ScenarioFigure("residue, \(variant)", outcome.residue, unit: "share"),
                ScenarioFigure("traffic, \(variant)", outcome.traffic, unit: "forwards per user"),
            ]
        }
        figures.append(ScenarioFigure("R0 (viral coefficient)", r0, unit: "new believers per believer"))
        figures += zip(delays, chases).map {
            ScenarioFigure(
                "believed before the correction, delay \($0.0)", $0.1.believedBeforeCorrection * 100, unit: "%")
        }
        let shares = chases.map(\.believedBeforeCorrection)
        let invariants = [
            ScenarioInvariant("the rumor goes viral (R0 > 1)", r0 > 1),
            ScenarioInvariant(
                "a later fact-check leaves more believers",
                zip(shares, shares.dropFirst()).allSatisfy { $0 <= $1 + 0.01 }),
            ScenarioInvariant("the correction reaches nearly everyone", chases.allSatisfy { $0.sawCorrection > 0.95 }),
            ScenarioInvariant(
                "blind coin forwards less than feedback counter",
                variantOutcomes[3].traffic < variantOutcomes[0].traffic),
        ]
        var result = ScenarioResult(
            scenario: slug, setting: setting, options: options, story: story, summary: summary, figures: figures,
            invariants: invariants,
            timeline: timeline(chases, delays: delays),
            plots: [
                Plot(
                    title: "Rumor and correction (fact-check after \(delays[1]) rounds)", xLabel: "round",
                    yLabel: "share of users",
                    series: [
                        Series(
                            name: "have believed the rumor", x: chases[1].believersOverTime.indices.map(Double.init),
                            y: chases[1].believersOverTime),
                        Series(
                            name: "hold the correction", x: chases[1].correctedOverTime.indices.map(Double.init),
                            y: chases[1].correctedOverTime),
                    ]),
                Plot(
                    title: "Believed before the correction, by its delay", xLabel: "correction delay (rounds)",
                    yLabel: "share of users",
                    series: [Series(name: "believed first", x: delays.map(Double.init), y: shares)]),
            ])
        result.benchmark = ScenarioSupport.benchmark(options, seconds: wallSeconds, messages: summary.totalMessages)
        return result
    }

    /// Believers and corrected users per round for each delay.
    static func timeline(_ chases: [CompetingRumorsSimulation.Outcome], delays: [Int]) -> Timeline {
        let longest = chases.map(\.believersOverTime.count).max() ?? 0
        var columns = ["round"]
        for delay in delays { columns += ["believers, delay \(delay)", "corrected, delay \(delay)"] }
        var rows: [[Double]] = []
        for round in 0..<longest {
            var row = [Double(round)]
            for chase in chases {
                row.append(chase.believersOverTime[min(round, chase.believersOverTime.count - 1)])
                row.append(chase.correctedOverTime[min(round, chase.correctedOverTime.count - 1)])
            }
            rows.append(row)
        }
        return Timeline(columns: columns, rows: rows)
    }
}
