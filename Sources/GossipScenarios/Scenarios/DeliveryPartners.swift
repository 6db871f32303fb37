import Dissemination
import Foundation
import GossipSimulator

/// Scenario 14: a food-delivery partner network forwards order bursts with probability p.
///
/// A partner who hears of a surge forwards it to f = 4 random partners, once, with probability p (probabilistic
/// infect-and-die). Each forwarder reaches about p·f new partners early on, so the surge reaches a large share only
/// above the percolation threshold p_c = 1/f. The scenario sweeps p, finds the threshold, and shows what an adaptive
/// p (each partner forwards with probability target / fanout) saves against always forwarding.
public enum DeliveryPartners: Scenario {
    /// The command-line name.
    public static let slug = "delivery-partners"
    /// The setting in a line.
    public static let setting = "a food-delivery partner network adapts its forwarding"
    /// What the scenario shows.
    public static let shows = "probabilistic gossip (forward with probability p), adaptive p and fanout"

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
        let fanout = 4
        let runs = options.mode == .test ? 10 : 20
        let probabilities = stride(from: 0.05, through: 1.0, by: 0.05).map { ($0 * 100).rounded() / 100 }
        var coverage: [Double] = []
        var messages: [Double] = []
        var total = 0
        let wallSeconds = ScenarioSupport.timed {
            for p in probabilities {
                var config = RoundSimulation.Configuration(nodes: n, mode: .push, forwarding: .infectAndDie)
                config.fanout = .fixed(fanout)
                config.forwardProbability = p
                if options.simulateFailures { config.lossRate = 0.1 }
                let engine = RoundSimulation(config)
                let outcomes = (0..<runs).map { engine.run(seed: options.seed &+ UInt64($0)) }
                coverage.append(outcomes.reduce(0) { $0 + $1.coverage } / Double(runs))
                messages.append(outcomes.reduce(0) { $0 + Double($1.messages) } / Double(runs) / Double(n))
                total += outcomes.reduce(0) { $0 + $1.messages }
            }
        }
        let lossFactor = options.simulateFailures ? 0.9 : 1
        let theory = 1 / (Double(fanout) * lossFactor)
        // The measured threshold: the smallest p whose mean coverage exceeds 10 %.
        let thresholdIndex = coverage.firstIndex { $0 > 0.1 } ?? probabilities.count - 1
        let measured = probabilities[thresholdIndex]
        let adaptive = Dissemination.ProbabilisticForwarding.adaptive(degree: fanout, targetForwarders: 2.4)
        let adaptiveIndex = probabilities.firstIndex { $0 >= adaptive.probability } ?? probabilities.count - 1
        let full = coverage.last!
        let saved = 1 - messages[adaptiveIndex] / messages.last!
        let story = [
            "\(n) delivery partners pass on news of an order surge: each who hears it tells \(fanout) random partners, once, with probability p.",
            "Below p = \(ScenarioSupport.short(measured)) the news fizzles out near where it started; the theory puts the threshold at 1/f = \(ScenarioSupport.short(theory)).",
            "Always forwarding (p = 1) reaches \(ScenarioSupport.short(full * 100))% of partners with \(ScenarioSupport.short(messages.last!)) messages each; forwarding with p = \(ScenarioSupport.short(adaptive.probability)) (2.4 expected forwards per partner) reaches \(ScenarioSupport.short(coverage[adaptiveIndex] * 100))% and saves \(ScenarioSupport.short(saved * 100))% of messages.",
        ]
        let summary = ScenarioSummary(
            nodes: n, totalMessages: total, convergenceSeconds: nil, convergenceRounds: nil,
            coveragePercent: coverage[adaptiveIndex] * 100,
            messageEfficiencyPercent: 100 * coverage[adaptiveIndex] / max(messages[adaptiveIndex], 1e-9))
        let figures = [
            ScenarioFigure(
                "percolation threshold p_c", measured, unit: "probability", theory: theory, theoryName: "1/f"),
            ScenarioFigure("coverage at p = 1", full * 100, unit: "%"),
            ScenarioFigure("coverage at adaptive p", coverage[adaptiveIndex] * 100, unit: "%"),
            ScenarioFigure("messages saved at adaptive p", saved * 100, unit: "%"),
        ]
        let invariants = [
            ScenarioInvariant("threshold within 0.1 of 1/f", abs(measured - theory) <= 0.1),
            ScenarioInvariant(
                "below half the threshold the news fizzles (coverage < 5%)",
                zip(probabilities, coverage).filter { $0.0 < theory / 2 }.allSatisfy { $0.1 < 0.05 }),
            ScenarioInvariant("p = 1 reaches over 90% of partners", full > 0.9 || options.simulateFailures),
            ScenarioInvariant(
                "adaptive p saves messages and still reaches over 70%",
                saved > 0 && coverage[adaptiveIndex] > 0.7),
        ]
        var result = ScenarioResult(
            scenario: slug, setting: setting, options: options, story: story, summary: summary, figures: figures,
            invariants: invariants,
            timeline: Timeline(
                columns: ["p", "coverage", "messages per partner"],
                rows: probabilities.indices.map { [probabilities[$0], coverage[$0], messages[$0]] }),
            plots: [
                Plot(
                    title: "Coverage against forwarding probability (fanout \(fanout))",
                    xLabel: "forwarding probability p", yLabel: "share of partners reached",
                    series: [
                        Series(name: "mean of \(runs) runs", x: probabilities, y: coverage),
                        Series(name: "threshold 1/f", x: [theory, theory], y: [0, 1]),
                    ]),
                Plot(
                    title: "Messages per partner against p", xLabel: "forwarding probability p",
                    yLabel: "messages per partner", series: [Series(name: "messages", x: probabilities, y: messages)]),
            ])
        result.benchmark = ScenarioSupport.benchmark(options, seconds: wallSeconds, messages: total)
        return result
    }
}
