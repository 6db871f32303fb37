import Dissemination
import GossipSimulator

/// Scenario 4: an e-commerce delivery-hub network spreads a routing-table update.
///
/// The same 1,200-byte update spreads by push, by pull and by push-pull (anti-entropy, one call per hub per round),
/// then by push with an adaptive fanout, and by push with fanout 4 under a per-hub bandwidth cap of two messages'
/// worth of bytes per round. It reports rounds, messages and bytes per hub for each (a pull request counts as a
/// 64-byte message).
public enum DeliveryRouting: Scenario {
    /// The command-line name.
    public static let slug = "delivery-routing"
    /// The setting in a line.
    public static let setting = "an e-commerce delivery-hub network spreads routing updates"
    /// What the scenario shows.
    public static let shows = "push vs pull vs push-pull, adaptive fanout, per-node bandwidth limits"

    /// Nodes by mode when `--nodes` is not given.
    public static func defaultNodes(_ mode: ScenarioOptions.Mode) -> Int {
        switch mode {
        case .normal: return 5_000
        case .test: return 1_000
        case .benchmark: return 500_000
        }
    }

    struct Variant {
        var name: String
        var config: RoundSimulation.Configuration
    }

    /// Runs the scenario: its engines, story, summary, figures and invariants.
    public static func run(_ options: ScenarioOptions) -> ScenarioResult {
        let n = options.nodeCount(for: Self.self)
        let size = 1_200
        func base(_ mode: Dissemination.Mode) -> RoundSimulation.Configuration {
            var config = RoundSimulation.Configuration(nodes: n, mode: mode, forwarding: .forever)
            config.messageSize = size
            if options.simulateFailures { config.lossRate = 0.1 }
            return config
        }
        var adaptive = base(.push)
        adaptive.fanout = .adaptive(Dissemination.AdaptiveFanout(minimum: 1, maximum: 6, initial: 4))
        var capped = base(.push)
        capped.fanout = .fixed(4)
        capped.bandwidth = Dissemination.BandwidthCap(bytesPerRound: 2 * size)
        var wide = base(.push)
        wide.fanout = .fixed(4)
        var widest = base(.push)
        widest.fanout = .fixed(6)
        let variants = [
            Variant(name: "push", config: base(.push)), Variant(name: "pull", config: base(.pull)),
            Variant(name: "push-pull", config: base(.pushPull)),
            Variant(name: "push, fanout 4", config: wide), Variant(name: "push, fanout 6", config: widest),
            Variant(name: "push, adaptive fanout 1-6", config: adaptive),
            Variant(name: "push, fanout 4, capped at 2 messages per round", config: capped),
        ]
        var outcomes: [RoundSimulation.Outcome] = []
        let wallSeconds = ScenarioSupport.timed {
            outcomes = variants.map { RoundSimulation($0.config).run(seed: options.seed, origin: 0) }
        }
        var story = [
            "Hub 0 (Bhiwandi) publishes a 1.2 kB routing update for \(n) delivery hubs. Each round every hub makes its calls:"
        ]
        var figures: [ScenarioFigure] = []
        // A pull request ("anything new?") costs a small message of its own.
        let requestSize = 64
        for (variant, outcome) in zip(variants, outcomes) {
            let perHub = Double(outcome.messages + outcome.requests) / Double(n)
            let kilobytes = Double(outcome.bytes + outcome.requests * requestSize) / Double(n) / 1024
            story.append(
                "  \(variant.name): every hub has it after \(outcome.roundsToFullCoverage.map(String.init) ?? "—") rounds, \(ScenarioSupport.short(perHub)) messages and \(ScenarioSupport.short(kilobytes)) kB per hub."
            )
            figures.append(
                ScenarioFigure(
                    "rounds, \(variant.name)", Double(outcome.roundsToFullCoverage ?? outcome.rounds), unit: "rounds"))
            figures.append(ScenarioFigure("messages per hub, \(variant.name)", perHub, unit: "messages"))
            figures.append(ScenarioFigure("kB per hub, \(variant.name)", kilobytes, unit: "kB"))
        }
        let pushPull = outcomes[2]
        let summary = ScenarioSummary(
            nodes: n, totalMessages: outcomes.reduce(0) { $0 + $1.messages },
            convergenceSeconds: pushPull.roundsToFullCoverage.map(Double.init),
            convergenceRounds: pushPull.roundsToFullCoverage.map(Double.init), coveragePercent: pushPull.coverage * 100,
            messageEfficiencyPercent: pushPull.efficiency * 100)
        let invariants = [
            ScenarioInvariant("every variant reaches every hub", outcomes.allSatisfy { $0.residue == 0 }),
            ScenarioInvariant(
                "push-pull needs fewer rounds than push and pull",
                (pushPull.roundsToFullCoverage ?? .max)
                    < min(outcomes[0].roundsToFullCoverage ?? .max, outcomes[1].roundsToFullCoverage ?? .max)),
            ScenarioInvariant(
                "the cap bounds every hub to 2 messages per round",
                outcomes[6].messages <= 2 * outcomes[6].timeline.dropLast().reduce(0) { $0 + $1.infective }),
            ScenarioInvariant(
                "the adaptive fanout (up to 6) sends fewer messages than fanout 6 and is faster than fanout 1",
                outcomes[5].messages < outcomes[4].messages
                    && (outcomes[5].roundsToFullCoverage ?? .max) < (outcomes[0].roundsToFullCoverage ?? .max)),
        ]
        let length = outcomes.map(\.timeline.count).max()!
        var result = ScenarioResult(
            scenario: slug, setting: setting, options: options, story: story, summary: summary, figures: figures,
            invariants: invariants,
            timeline: Timeline(
                columns: ["round"] + variants.map { "hubs with the update, \($0.name)" },
                rows: (0..<length).map { round in
                    [Double(round)]
                        + outcomes.map { Double(n - $0.timeline[min(round, $0.timeline.count - 1)].susceptible) }
                }),
            plots: [
                Plot(
                    title: "Hubs with the routing update", xLabel: "round", yLabel: "hubs",
                    series: zip(variants, outcomes).map { variant, outcome in
                        Series(
                            name: variant.name, x: outcome.timeline.indices.map(Double.init),
                            y: outcome.timeline.map { Double(n - $0.susceptible) })
                    })
            ])
        result.benchmark = ScenarioSupport.benchmark(
            options, seconds: wallSeconds, messages: outcomes.reduce(0) { $0 + $1.messages })
        return result
    }
}
