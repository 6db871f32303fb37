import GossipSimulator

/// Scenario 6: transactions and blocks relayed across a cryptocurrency peer network, including nodes in India.
///
/// Nodes keep 8 peers each; a fifth of them sit in a far region with 120 ms of extra latency. A 250-byte
/// transaction and a 1 MB block are relayed by announce-then-fetch (inv / getdata) and, for comparison, by
/// flooding the object along every link. Transfer time grows with size over a 10 Mbit/s uplink, so flooding a
/// block costs both bandwidth and time.
public enum BitcoinRelay: Scenario {
    /// The command-line name.
    public static let slug = "bitcoin-relay"
    /// The setting in a line.
    public static let setting =
        "transactions and blocks relayed across a cryptocurrency peer network, including nodes in India"
    /// What the scenario shows.
    public static let shows = "announce-then-fetch (inv/getdata), block propagation with size-dependent delays"

    /// Nodes by mode when `--nodes` is not given.
    public static func defaultNodes(_ mode: ScenarioOptions.Mode) -> Int {
        switch mode {
        case .normal: return 5_000
        case .test: return 1_000
        case .benchmark: return 50_000
        }
    }

    /// Runs the scenario: its engines, story, summary, figures and invariants.
    public static func run(_ options: ScenarioOptions) -> ScenarioResult {
        let n = options.nodeCount(for: Self.self)
        func configuration(bytes: Int, flood: Bool) -> AnnounceFetchSimulation.Configuration {
            var config = AnnounceFetchSimulation.Configuration(nodes: n)
            config.objectBytes = bytes
            config.flood = flood
            if options.simulateFailures { config.farLatency = .milliseconds(300) }
            return config
        }
        let cases = [
            ("transaction", 250, false), ("transaction, flooded", 250, true), ("block", 1_000_000, false),
            ("block, flooded", 1_000_000, true),
        ]
        var outcomes: [AnnounceFetchSimulation.Outcome] = []
        let wallSeconds = ScenarioSupport.timed {
            outcomes = cases.map {
                AnnounceFetchSimulation(configuration(bytes: $0.1, flood: $0.2), graphSeed: options.seed)
                    .run(seed: options.seed)
            }
        }
        func delays(_ outcome: AnnounceFetchSimulation.Outcome, farOnly: Bool = false) -> Distribution {
            Distribution(
                outcome.arrival.indices.compactMap { index in
                    farOnly && !outcome.far[index] ? nil : outcome.arrival[index]
                })
        }
        let farCount = outcomes[0].far.filter { $0 }.count
        var story = [
            "\(n) nodes keep 8 peers each; \(farCount) of them are in India, \(options.simulateFailures ? 300 : 120) ms farther from the rest. Uplinks carry 10 Mbit/s; announcements wait 50 ms (trickling)."
        ]
        var figures: [ScenarioFigure] = []
        for ((name, _, _), result) in zip(cases, outcomes) {
            let all = delays(result)
            let india = delays(result, farOnly: true)
            story.append(
                "  \(name): half the nodes have it after \(ScenarioSupport.short(all.p50 * 1000)) ms, 90% after \(ScenarioSupport.short(Self.percentile(result, 0.9) * 1000)) ms (India median \(ScenarioSupport.short(india.p50 * 1000)) ms); \(result.objectTransfers) full transfers, \(result.duplicateTransfers) of them duplicates."
            )
            figures.append(ScenarioFigure("median propagation, \(name)", all.p50 * 1000, unit: "ms"))
            figures.append(
                ScenarioFigure("90th percentile propagation, \(name)", Self.percentile(result, 0.9) * 1000, unit: "ms"))
            figures.append(
                ScenarioFigure("duplicate transfers, \(name)", Double(result.duplicateTransfers), unit: "transfers"))
        }
        let avoided = outcomes[2].transfersAvoided
        story.append(
            "Announcing first avoided \(avoided) block transfers: flooding moved \(ScenarioSupport.short(Double(outcomes[3].bytes) / 1e9)) GB against \(ScenarioSupport.short(Double(outcomes[2].bytes) / 1e9)) GB, for about the same propagation time, since each uplink sends one block at a time either way; for small transactions the extra round trip makes announcing slower, the price of not sending every transaction eight times."
        )
        figures.append(ScenarioFigure("block transfers avoided by announcing", Double(avoided), unit: "transfers"))
        let block = outcomes[2]
        let summary = ScenarioSummary(
            nodes: n, totalMessages: outcomes.reduce(0) { $0 + $1.objectTransfers },
            convergenceSeconds: Self.percentile(block, 1), convergenceRounds: nil,
            coveragePercent: 100 * Double(block.arrival.compactMap { $0 }.count) / Double(n),
            messageEfficiencyPercent: 100 * Double(block.objectTransfers - block.duplicateTransfers)
                / Double(max(block.objectTransfers, 1)))
        let invariants = [
            ScenarioInvariant(
                "every node gets the transaction and the block",
                outcomes.allSatisfy { $0.arrival.allSatisfy { $0 != nil } }),
            ScenarioInvariant(
                "announce-then-fetch never transfers a block twice to a node", block.duplicateTransfers == 0),
            ScenarioInvariant(
                "flooding a block moves at least five times the bytes of announcing it",
                outcomes[3].bytes >= 5 * block.bytes),
            ScenarioInvariant(
                "nodes in India get the block later than the median node",
                delays(block, farOnly: true).p50 > delays(block).p50),
        ]
        let sorted = block.arrival.compactMap { $0 }.sorted()
        let shares = sorted.indices.map { Double($0 + 1) / Double(n) }
        var result = ScenarioResult(
            scenario: slug, setting: setting, options: options, story: story, summary: summary, figures: figures,
            invariants: invariants,
            timeline: Timeline(
                columns: ["milliseconds", "share of nodes with the block"],
                rows: zip(sorted, shares).map { [$0.0 * 1000, $0.1] }),
            plots: [
                Plot(
                    title: "Share of nodes holding the object", xLabel: "milliseconds since it was found",
                    yLabel: "share of nodes",
                    series: zip(cases, outcomes).map { entry, outcome in
                        let times = outcome.arrival.compactMap { $0 }.sorted()
                        let step = max(1, times.count / 200)
                        let picked = Array(stride(from: 0, to: times.count, by: step))
                        return Series(
                            name: entry.0, x: picked.map { times[$0] * 1000 },
                            y: picked.map { Double($0 + 1) / Double(n) })
                    })
            ])
        result.benchmark = ScenarioSupport.benchmark(
            options, seconds: wallSeconds, messages: outcomes.reduce(0) { $0 + $1.objectTransfers })
        return result
    }

    static func percentile(_ outcome: AnnounceFetchSimulation.Outcome, _ quantile: Double) -> Double {
        let times = outcome.arrival.compactMap { $0 }.sorted()
        guard !times.isEmpty else { return .nan }
        return times[min(times.count - 1, Int((quantile * Double(times.count)).rounded(.up)) - 1)]
    }

}
