import Dissemination
import Foundation
import GossipSimulator

/// Scenario 15: warehouse alerts spread through a retail supply chain as an SIR epidemic.
///
/// Each round every alerted warehouse calls one random other warehouse and, after each call, stops passing the
/// alert on with probability 1/k (blind coin, Demers et al.): each warehouse passes it on k times on average, so the
/// basic reproduction number is R0 = k. The final share reached is compared with the SIR final-size equation
/// r∞ = 1 − e^(−R0·r∞), and the peak of spreading warehouses with the SIR equations in discrete time (β = 1 call
/// per round, γ = 1/k).
public enum SupplyChainAlerts: Scenario {
    /// The command-line name.
    public static let slug = "supply-chain-alerts"
    /// The setting in a line.
    public static let setting = "warehouse alerts spread through a retail supply chain"
    /// What the scenario shows.
    public static let shows = "epidemic SIR dynamics: simulation vs the SIR equations"

    /// Nodes by mode when `--nodes` is not given.
    public static func defaultNodes(_ mode: ScenarioOptions.Mode) -> Int {
        switch mode {
        case .normal: return 2_000
        case .test: return 1_000
        case .benchmark: return 200_000
        }
    }

    /// The SIR final size for `r0`: the positive root of r = 1 − e^(−R0·r) (0 when R0 ≤ 1).
    public static func finalSize(r0: Double) -> Double {
        guard r0 > 1 else { return 0 }
        var r = 0.5
        for _ in 0..<200 { r = 1 - exp(-r0 * r) }
        return r
    }

    /// Runs the scenario: its engines, story, summary, figures and invariants.
    public static func run(_ options: ScenarioOptions) -> ScenarioResult {
        let n = options.nodeCount(for: Self.self)
        let k = 3
        let runs = options.mode == .benchmark ? 3 : 30
        var config = RoundSimulation.Configuration(
            nodes: n, mode: .push, forwarding: .rumor(.init(feedback: .blind, lossOfInterest: .coin, k: k)))
        if options.simulateFailures { config.lossRate = 0.2 }
        var outcomes: [RoundSimulation.Outcome] = []
        let wallSeconds = ScenarioSupport.timed {
            let engine = RoundSimulation(config)
            outcomes = (0..<runs).map { engine.run(seed: options.seed &+ UInt64($0)) }
        }
        // A dropped call costs no coin toss: R0 stays k, loss only slows both infection and recovery.
        let r0 = Double(k)
        let delivered = 1 - config.lossRate
        let theory = finalSize(r0: r0)
        // Runs where the alert died out at once (a minor outbreak) are excluded from the final size, as SIR theory's
        // final size is that of a major outbreak.
        let major = outcomes.filter { $0.coverage > 0.2 }
        let measured = major.isEmpty ? 0 : major.reduce(0) { $0 + $1.coverage } / Double(major.count)
        let first = major.first ?? outcomes[0]
        let peak = first.timeline.enumerated().max { $0.element.infective < $1.element.infective }!
        let ode = integrateSIR(n: n, beta: delivered, gamma: delivered / Double(k), rounds: first.timeline.count)
        let odePeak = ode.indices.max { ode[$0].1 < ode[$1].1 }!
        // The peak's round varies with how fast the first few calls happen to land; its mean over the major
        // outbreaks is what the equations describe.
        let peakRounds = major.map { run in
            Double(run.timeline.indices.max { run.timeline[$0].infective < run.timeline[$1].infective }!)
        }
        let meanPeak = peakRounds.isEmpty ? .nan : peakRounds.reduce(0, +) / Double(peakRounds.count)
        let sir = ScenarioSupport.sirTimeline(first.timeline, nodes: n)
        let story = [
            "A cold-chain failure at one of \(n) warehouses raises an alert. Each round every alerted warehouse phones one random warehouse; after each call it stops with probability 1/\(k), so each passes the alert on \(k) times on average: R0 = \(ScenarioSupport.short(r0)).",
            "The alert reaches \(ScenarioSupport.short(measured * 100))% of warehouses (\(major.count) of \(runs) runs were major outbreaks); the SIR equations predict \(ScenarioSupport.short(theory * 100))%.",
            "Spreading peaks in round \(ScenarioSupport.short(meanPeak)) on average (in the first run at \(peak.element.infective) warehouses in round \(peak.offset)); the SIR equations put the peak in round \(odePeak).",
        ]
        let summary = ScenarioSummary(
            nodes: n, totalMessages: outcomes.reduce(0) { $0 + $1.messages },
            convergenceSeconds: Double(first.rounds), convergenceRounds: Double(first.rounds),
            coveragePercent: measured * 100, messageEfficiencyPercent: first.efficiency * 100)
        let figures = [
            ScenarioFigure(
                "final size r∞", measured, unit: "share", theory: theory, theoryName: "1 − e^(−R0·r∞), R0 = k"),
            ScenarioFigure(
                "peak round (mean of major outbreaks)", meanPeak, unit: "rounds", theory: Double(odePeak),
                theoryName: "SIR equations"),
            ScenarioFigure(
                "peak spreading", Double(peak.element.infective) / Double(n), unit: "share",
                theory: ode[odePeak].1, theoryName: "SIR equations"),
        ]
        let invariants = [
            ScenarioInvariant("most runs are major outbreaks (R0 > 1)", major.count * 2 > runs),
            ScenarioInvariant("final size within 0.03 of the SIR equation", abs(measured - theory) < 0.03),
            ScenarioInvariant("mean peak round within 2 of the SIR equations", abs(meanPeak - Double(odePeak)) <= 2),
            ScenarioInvariant(
                "the alert dies out on its own", outcomes.allSatisfy { $0.timeline.last!.infective == 0 }),
        ]
        let rounds = ode.indices.map(Double.init)
        var result = ScenarioResult(
            scenario: slug, setting: setting, options: options, story: story, summary: summary, figures: figures,
            invariants: invariants, timeline: sir,
            plots: [
                ScenarioSupport.sirPlot(sir, title: "Warehouses by state (one run)"),
                Plot(
                    title: "Spreading warehouses: simulation and SIR equations", xLabel: "round",
                    yLabel: "share of warehouses spreading",
                    series: [
                        Series(name: "simulation", x: sir.rows.map { $0[0] }, y: sir.rows.map { $0[2] }),
                        Series(name: "SIR equations", x: rounds, y: ode.map(\.1)),
                    ]),
            ])
        result.benchmark = ScenarioSupport.benchmark(
            options, seconds: wallSeconds, messages: outcomes.reduce(0) { $0 + $1.messages })
        return result
    }

    /// The SIR equations in discrete time (Reed–Frost), matching synchronous rounds: a susceptible escapes all
    /// I·n calls of a round with probability e^(−β·I), and a share γ of the infectives stops each round.
    /// Returns the (S, I, R) shares after each round.
    static func integrateSIR(n: Int, beta: Double, gamma: Double, rounds: Int) -> [(Double, Double, Double)] {
        var s = 1 - 1 / Double(n)
        var i = 1 / Double(n)
        var r = 0.0
        var table = [(s, i, r)]
        for _ in 0..<max(rounds, 1) {
            let infections = s * (1 - exp(-beta * i))
            let recoveries = gamma * i
            s -= infections
            i += infections - recoveries
            r += recoveries
            table.append((s, i, r))
        }
        return table
    }
}
