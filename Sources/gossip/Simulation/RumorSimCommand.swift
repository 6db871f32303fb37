import ArgumentParser
import Dissemination
import Foundation
import GossipSimulator
import GossipTestKit

/// `gossip sim rumor`: rumor mongering, infect-and-die and anti-entropy on any peer graph.
struct RumorSimCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rumor",
        abstract: "Spread one rumor by rumor mongering (Demers et al.), infect-and-die or anti-entropy.",
        discussion: """
            Examples:
              gossip sim rumor --variant feedback-counter --k 2 --nodes 1000 --runs 400
              gossip sim rumor --variant infect-and-die --fanout ln:1 --nodes 100000 --runs 20
              gossip sim rumor --variant anti-entropy --mode push --topology geometric:8 --nodes 20000
              gossip sim rumor --variant infect-and-die --fanout fixed:4 --p 0.3 --topology regular:8
            """)

    @Option(
        help: "feedback-counter, feedback-coin, blind-counter, blind-coin, infect-and-die or anti-entropy.")
    var variant: String = "feedback-counter"

    @Option(help: "The rumor policy's k: stop after k counted contacts (counter) or with chance 1/k (coin).")
    var k: Int = 1

    @Option(help: "push, pull or push-pull.")
    var mode: Dissemination.Mode = .push

    @Option(help: "Peers per push: fixed:N, ln:C (ceil(ln n + C)) or adaptive:MIN:MAX.")
    var fanout: String = "fixed:1"

    @Option(help: "Probability that a newly informed node forwards at all (0...1).")
    var p: Double = 1

    @Option(help: "Per-node cap on messages per round.")
    var capMessages: Int?

    @Option(help: "Per-node cap on bytes per round.")
    var capBytes: Int?

    @Option(help: "Bytes per message (for byte counts and byte caps).")
    var messageSize: Int = 100

    @Option(help: "Share of messages lost (0...1).")
    var loss: Double = 0

    @Option(help: "complete, regular:D, partial-view:V, geometric:K or zones:Z:P.")
    var topology: String = "complete"

    @Option(help: "rounds (synchronous) or continuous (a gossip timer per node, latencies per message).")
    var clock: Clock = .rounds

    @Option(help: "Gossip period with --clock continuous, e.g. 200ms.")
    var interval: String = "200ms"

    @Option(help: "One-way latency range with --clock continuous, e.g. 1ms-50ms.")
    var latency: String = "1ms-50ms"

    @Option(help: "Nodes (at least 2).")
    var nodes: Int = 1000

    @Option(help: "Independent runs.")
    var runs: Int = 100

    @Option(help: "Seed of the first run (the peer graph is built from it too).")
    var seed: UInt64 = 1

    @OptionGroup var output: SimOutputOptions

    func validate() throws {
        guard nodes >= 2 else { throw ValidationError("--nodes must be at least 2") }
        guard runs >= 1 else { throw ValidationError("--runs must be at least 1") }
        guard k >= 1 else { throw ValidationError("--k must be at least 1 (k = \(k) would never spread)") }
        guard (0...1).contains(p) else { throw ValidationError("--p is a probability: it must lie in 0...1") }
        guard (0..<1).contains(loss) else { throw ValidationError("--loss must lie in [0, 1)") }
        guard messageSize >= 1 else { throw ValidationError("--message-size must be at least 1") }
        if let capMessages, capMessages < 0 { throw ValidationError("--cap-messages must not be negative") }
        if let capBytes, capBytes < 0 { throw ValidationError("--cap-bytes must not be negative") }
        _ = try forwarding()
        _ = try fanoutPolicy()
        _ = try latencyModel()
        guard let period = parseDuration(interval), period > .zero else {
            throw ValidationError("--interval '\(interval)' is not a positive duration like 200ms")
        }
        guard Topology(argument: topology) != nil else {
            throw ValidationError(
                "--topology '\(topology)' is not one of complete, regular:D, partial-view:V, geometric:K, zones:Z:P")
        }
    }

    /// Synchronous rounds or continuous time.
    enum Clock: String, ExpressibleByArgument, CaseIterable {
        case rounds
        case continuous
    }

    func latencyModel() throws -> LatencyModel {
        let bounds = latency.split(separator: "-").map { parseDuration(String($0)) }
        guard bounds.count == 2, let low = bounds[0], let high = bounds[1], low <= high else {
            throw ValidationError("--latency '\(latency)' is not a range like 1ms-50ms")
        }
        return .uniform(low, high)
    }

    func forwarding() throws -> Dissemination.Forwarding {
        switch variant {
        case "infect-and-die": return .infectAndDie
        case "anti-entropy": return .forever
        default:
            guard let policy = Dissemination.RumorPolicy(variant: variant, k: k) else {
                throw ValidationError(
                    "--variant '\(variant)' is not one of feedback-counter, feedback-coin, blind-counter, blind-coin, infect-and-die, anti-entropy"
                )
            }
            return .rumor(policy)
        }
    }

    func fanoutPolicy() throws -> Dissemination.FanoutPolicy {
        let parts = fanout.split(separator: ":").map(String.init)
        switch (parts.first, parts.count) {
        case ("fixed", 2):
            if let value = Int(parts[1]), value >= 1 { return .fixed(value) }
        case ("ln", 2):
            if let value = Double(parts[1]), value.isFinite { return .logarithmic(c: value) }
        case ("adaptive", 3):
            if let low = Int(parts[1]), let high = Int(parts[2]), low >= 1, high >= low {
                return .adaptive(Dissemination.AdaptiveFanout(minimum: low, maximum: high, initial: low))
            }
        default:
            break
        }
        throw ValidationError("--fanout '\(fanout)' is not fixed:N (N >= 1), ln:C or adaptive:MIN:MAX")
    }

    func run() throws {
        if clock == .continuous { return try runContinuous() }
        var config = RoundSimulation.Configuration(nodes: nodes, mode: mode, forwarding: try forwarding())
        config.fanout = try fanoutPolicy()
        config.forwardProbability = p
        config.bandwidth = Dissemination.BandwidthCap(messagesPerRound: capMessages, bytesPerRound: capBytes)
        config.messageSize = messageSize
        config.lossRate = loss
        config.topology = Topology(argument: topology)!
        let engine = RoundSimulation(config, graphSeed: seed)
        let progress = Progress(total: runs)
        var outcomes: [RoundSimulation.Outcome] = []
        for run in 0..<runs {
            outcomes.append(engine.run(seed: seed &+ UInt64(run)))
            progress.update(run + 1)
        }
        func measure(_ value: (RoundSimulation.Outcome) -> Double) -> Distribution { Distribution(outcomes.map(value)) }
        let summary: [String: Distribution] = [
            "residue s": measure(\.residue),
            "traffic m (messages per node)": measure(\.traffic),
            "rounds": measure { Double($0.rounds) },
            "rounds to full coverage": Distribution(outcomes.compactMap { $0.roundsToFullCoverage.map(Double.init) }),
            "t_ave (rounds)": measure(\.tAverage),
            "t_last (rounds)": measure { Double($0.tLast) },
            "duplicates per node": measure { Double($0.duplicates) / Double(nodes) },
            "message efficiency": measure(\.efficiency),
            "bytes per node": measure { Double($0.bytes) / Double(nodes) },
        ]
        let n = Double(nodes)
        let susceptible = averageTimeline(outcomes.map { $0.timeline.map { Double($0.susceptible) / n } })
        let infective = averageTimeline(outcomes.map { $0.timeline.map { Double($0.infective) / n } })
        let removed = averageTimeline(outcomes.map { $0.timeline.map { Double($0.removed) / n } })
        let rounds = susceptible.indices.map(Double.init)
        let report = SimulationReport(
            command: "rumor",
            parameters: [
                "variant": variant, "k": String(k), "mode": mode.rawValue, "fanout": config.fanout.description,
                "forward probability": String(p), "cap messages": capMessages.map(String.init) ?? "none",
                "cap bytes": capBytes.map(String.init) ?? "none", "message size": String(messageSize),
                "loss": String(loss), "topology": config.topology.description, "nodes": String(nodes),
                "runs": String(runs), "seed": String(seed),
            ],
            summary: summary,
            timeline: Timeline(
                columns: ["round", "susceptible", "infective", "removed"],
                rows: rounds.indices.map { [rounds[$0], susceptible[$0], infective[$0], removed[$0]] }),
            plots: [
                Plot(
                    title: "Susceptible, infective and removed over rounds (mean of \(runs) runs)",
                    xLabel: "round", yLabel: "share of nodes",
                    series: [
                        Series(name: "susceptible", x: rounds, y: susceptible),
                        Series(name: "infective", x: rounds, y: infective),
                        Series(name: "removed", x: rounds, y: removed),
                    ]),
                Plot(
                    title: "Residue per run (sorted)", xLabel: "run (sorted by residue)", yLabel: "residue s",
                    series: [
                        Series(
                            name: "residue", x: outcomes.indices.map(Double.init),
                            y: outcomes.map(\.residue).sorted())
                    ]),
            ])
        var text = [
            "\(config.forwarding) by \(mode.rawValue), fanout \(config.fanout), \(config.topology) graph of \(nodes) nodes, \(runs) run(s)"
        ]
        for key in summary.keys.sorted() { text.append(summaryLine(key, summary[key]!)) }
        if mode == .push, case .rumor = config.forwarding, config.fanout == .fixed(1) {
            text.append(
                "theory (push): s ≈ e^(-m) = \(formatNumber(exp(-summary["traffic m (messages per node)"]!.mean)))")
        }
        try output.emit(report, text: text)
    }
}

extension RumorSimCommand {
    /// The same spread with a gossip timer per node and a latency per message.
    func runContinuous() throws {
        var config = ContinuousSimulation.Configuration(nodes: nodes, mode: mode, forwarding: try forwarding())
        config.fanout = try fanoutPolicy().initialFanout(clusterSize: nodes)
        config.interval = parseDuration(interval)!
        config.latency = try latencyModel()
        config.lossRate = loss
        config.topology = Topology(argument: topology)!
        let engine = ContinuousSimulation(config, graphSeed: seed)
        let progress = Progress(total: runs)
        var outcomes: [ContinuousSimulation.Outcome] = []
        for run in 0..<runs {
            outcomes.append(engine.run(seed: seed &+ UInt64(run)))
            progress.update(run + 1)
        }
        func measure(_ value: (ContinuousSimulation.Outcome) -> Double) -> Distribution {
            Distribution(outcomes.map(value))
        }
        let summary: [String: Distribution] = [
            "residue s": measure(\.residue),
            "traffic m (messages per node)": measure { Double($0.messages) / Double(nodes) },
            "full coverage (s)": Distribution(outcomes.compactMap(\.fullCoverageSeconds)),
            "t_ave (s)": measure(\.tAverageSeconds),
            "t_last (s)": measure(\.tLastSeconds),
            "duplicates per node": measure { Double($0.duplicates) / Double(nodes) },
        ]
        let coverage = averageTimeline(outcomes.map { $0.informedOverTime.map { Double($0) / Double(nodes) } })
        let seconds = coverage.indices.map { Double($0) * config.interval.secondsValue }
        let report = SimulationReport(
            command: "rumor",
            parameters: [
                "variant": variant, "k": String(k), "mode": mode.rawValue, "fanout": String(config.fanout),
                "clock": "continuous", "interval": interval, "latency": latency, "loss": String(loss),
                "topology": config.topology.description, "nodes": String(nodes), "runs": String(runs),
                "seed": String(seed),
            ],
            summary: summary,
            timeline: Timeline(
                columns: ["second", "informed share (mean)"],
                rows: seconds.indices.map { [seconds[$0], coverage[$0]] }),
            plots: [
                Plot(
                    title: "Coverage over time (mean of \(runs) runs)", xLabel: "virtual seconds",
                    yLabel: "informed share of nodes", series: [Series(name: variant, x: seconds, y: coverage)])
            ])
        var text = [
            "\(config.forwarding) by \(mode.rawValue) in continuous time (every \(interval), latency \(latency)), \(config.topology) graph of \(nodes) nodes, \(runs) run(s)"
        ]
        for key in summary.keys.sorted() { text.append(summaryLine(key, summary[key]!)) }
        try output.emit(report, text: text)
    }
}
