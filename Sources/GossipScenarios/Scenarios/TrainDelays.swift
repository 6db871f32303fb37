import Dissemination
import Foundation
import GossipCore
import GossipSimulator

/// Scenario 1: a suburban train network spreads a delay notice by push gossip.
///
/// Stations tell one random other station per round (one round = 1 s). First the notice spreads by anti-entropy
/// (every station that knows keeps telling), which gives the rounds to reach every station against Pittel's
/// log₂ n + ln n; then the same notice spreads by rumor mongering (a station stops after two calls to stations that
/// already knew), which gives the susceptible / infective / removed curve.
public enum TrainDelays: Scenario {
    /// The command-line name.
    public static let slug = "train-delays"
    /// The setting in a line.
    public static let setting = "a suburban train network of 200+ stations spreads a delay notice"
    /// What the scenario shows.
    public static let shows = "basic push gossip; stations as susceptible / infected / removed"

    /// Nodes by mode when `--nodes` is not given.
    public static func defaultNodes(_ mode: ScenarioOptions.Mode) -> Int {
        switch mode {
        case .normal: return 250
        case .test: return 120
        case .benchmark: return 100_000
        }
    }

    /// Runs the scenario: its engines, story, summary, figures and invariants.
    public static func run(_ options: ScenarioOptions) -> ScenarioResult {
        let n = options.nodeCount(for: Self.self)
        let runs = options.mode == .benchmark ? 3 : 20
        var spread = RoundSimulation.Configuration(nodes: n, mode: .push, forwarding: .forever)
        var rumor = RoundSimulation.Configuration(
            nodes: n, mode: .push, forwarding: .rumor(.init(feedback: .feedback, lossOfInterest: .counter, k: 2)))
        var down: Set<Int> = []
        if options.simulateFailures {
            var rng = SeededRandom(seed: options.seed)
            while down.count < n / 20 { down.insert(rng.nextIndex(below: n)) }
            down.remove(8 % n)
            spread.lossRate = 0.1
            rumor.lossRate = 0.1
            spread.downNodes = down
            rumor.downNodes = down
        }
        var roundsToAll: [Double] = []
        var messages = 0
        var useful = 0
        var delivered = 0
        var outcomes: [RoundSimulation.Outcome] = []
        var rumorOutcome: RoundSimulation.Outcome?
        let wallSeconds = ScenarioSupport.timed {
            let engine = RoundSimulation(spread)
            for run in 0..<runs {
                let outcome = engine.run(seed: options.seed &+ UInt64(run), origin: 8 % n)
                outcomes.append(outcome)
                if let rounds = outcome.roundsToFullCoverage { roundsToAll.append(Double(rounds)) }
                messages += outcome.messages
                delivered += outcome.messages - outcome.lost
                useful += outcome.messages - outcome.lost - outcome.duplicates
            }
            rumorOutcome = RoundSimulation(rumor).run(seed: options.seed, origin: 8 % n)
            messages += rumorOutcome!.messages
        }
        let first = outcomes[0]
        let live = n - down.count
        let informedFirst = live - (first.timeline.last!.susceptible - down.count)
        let theory = log2(Double(live)) + log(Double(live))
        let meanRounds = roundsToAll.isEmpty ? .nan : roundsToAll.reduce(0, +) / Double(roundsToAll.count)
        let rumorRun = rumorOutcome!
        let rumorResidue = Double(rumorRun.timeline.last!.susceptible - down.count) / Double(live)
        let sir = ScenarioSupport.sirTimeline(rumorRun.timeline, nodes: n)
        let peak = rumorRun.timeline.enumerated().max { $0.element.infective < $1.element.infective }!

        var story = [
            "08:15 \(ScenarioSupport.station(8)) posts: \"Slow local delayed 20 minutes after a signal failure\".",
            "Each second every station that knows calls one random station of the \(n) on the line.",
        ]
        if options.simulateFailures {
            story.append("\(down.count) stations are offline and 10% of calls drop.")
        }
        let halfRound = first.timeline.firstIndex { $0.susceptible - down.count <= live / 2 } ?? first.rounds
        story += [
            "After \(halfRound) s half the line knows; after \(first.roundsToFullCoverage.map(String.init) ?? "—") s every station that is up knows (\(informedFirst) of \(live)).",
            "Told by rumor mongering instead (a station stops after two calls to stations that already knew), the notice peaks at \(peak.element.infective) stations spreading it in second \(peak.offset) and misses \(ScenarioSupport.short(rumorResidue * 100))% of stations, with \(ScenarioSupport.short(Double(rumorRun.messages) / Double(n))) calls per station instead of \(ScenarioSupport.short(Double(first.messages) / Double(n))).",
        ]
        let summary = ScenarioSummary(
            nodes: n, totalMessages: messages, convergenceSeconds: meanRounds, convergenceRounds: meanRounds,
            coveragePercent: 100 * Double(informedFirst) / Double(live),
            messageEfficiencyPercent: 100 * Double(useful) / Double(max(delivered, 1)))
        let figures = [
            ScenarioFigure(
                "rounds to full coverage (mean of \(runs))", meanRounds, unit: "rounds", theory: theory,
                theoryName: "log2 n + ln n"),
            ScenarioFigure("rumor-mongering residue", rumorResidue * 100, unit: "%"),
            ScenarioFigure("peak of spreading stations", Double(peak.element.infective), unit: "stations"),
            ScenarioFigure("round of the peak", Double(peak.offset), unit: "rounds"),
        ]
        var invariants = [
            ScenarioInvariant("every station that is up learns the delay by anti-entropy", informedFirst == live),
            ScenarioInvariant(
                "rounds to full coverage lie within 4 of log2 n + ln n", abs(meanRounds - theory) <= 4),
            ScenarioInvariant("rumor mongering stops on its own", rumorRun.timeline.last!.infective == 0),
        ]
        if !options.simulateFailures {
            invariants.append(ScenarioInvariant("rumor mongering reaches most stations", rumorResidue < 0.2))
        }
        var result = ScenarioResult(
            scenario: slug, setting: setting, options: options, story: story, summary: summary, figures: figures,
            invariants: invariants, timeline: sir,
            plots: [
                ScenarioSupport.sirPlot(sir, title: "Stations by state under rumor mongering", unit: "second"),
                Plot(
                    title: "Stations that know, anti-entropy (first run)", xLabel: "second",
                    yLabel: "stations that know",
                    series: [
                        Series(
                            name: "stations informed", x: first.timeline.indices.map(Double.init),
                            y: first.timeline.map { Double(n - $0.susceptible) })
                    ]),
            ])
        result.benchmark = ScenarioSupport.benchmark(options, seconds: wallSeconds, messages: messages)
        return result
    }
}
