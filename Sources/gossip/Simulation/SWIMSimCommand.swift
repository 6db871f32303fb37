import ArgumentParser
import GossipCore
import GossipSimulator
import GossipTestKit
import SWIM

/// `gossip sim swim`: the cluster engine, real SWIM instances in virtual time.
struct SWIMSimCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "swim",
        abstract: "Run a SWIM cluster (memberlist's protocol) in virtual time with crashes, loss and partitions.",
        discussion: """
            Examples:
              gossip sim swim --nodes 500 --loss 0.1 --duration 10m
              gossip sim swim --nodes 200 --crashes 3 --slow 10 --stalling 5 --runs 5
              gossip sim swim --nodes 100 --partition-at 60s --partition-for 2m
            """)

    @Option(help: "Members (at least 2).")
    var nodes: Int = 100

    @Option(help: "lan, wan or local: memberlist's timing profile.")
    var profile: String = "lan"

    @Option(help: "formed (every member starts knowing every other) or joins (members join through member 0).")
    var formation: SWIMExperiment.Formation = .preformed

    @Option(help: "Share of datagrams lost, uniformly (0...1).")
    var loss: Double = 0

    @Option(help: "Bursty loss on top: the share of datagrams lost in bursts of about 20 (0...1).")
    var burstLoss: Double = 0

    @Option(
        help:
            "One-way latency: a range like 200us-2ms (uniform) or exp:1ms:5ms (1 ms floor, exponential tail of mean 5 ms)."
    )
    var latency: String = "200us-2ms"

    @Option(help: "Virtual time after formation, e.g. 600s, 10m.")
    var duration: String = "10m"

    @Option(help: "Members that crash.")
    var crashes: Int = 1

    @Option(help: "When they crash, after formation.")
    var crashAfter: String = "30s"

    @Option(help: "Slow members (600 ms added to each datagram to or from them).")
    var slow: Int = 0

    @Option(help: "Members that stall for 2 s every 30 s.")
    var stalling: Int = 0

    @Option(help: "Split the cluster in halves at this time after formation.")
    var partitionAt: String?

    @Option(help: "How long the partition lasts.")
    var partitionFor: String = "2m"

    @Option(help: "Independent runs.")
    var runs: Int = 1

    @Option(help: "Seed of the first run.")
    var seed: UInt64 = 1

    @OptionGroup var output: SimOutputOptions

    func validate() throws {
        guard nodes >= 2 else { throw ValidationError("--nodes must be at least 2") }
        guard runs >= 1 else { throw ValidationError("--runs must be at least 1") }
        guard (0..<1).contains(loss), (0..<1).contains(burstLoss) else {
            throw ValidationError("--loss and --burst-loss must lie in [0, 1)")
        }
        guard SWIM.Settings.preset(named: profile) != nil else {
            throw ValidationError("--profile must be lan, wan or local")
        }
        guard crashes >= 0, slow >= 0, stalling >= 0, crashes + slow + stalling < nodes else {
            throw ValidationError("--crashes, --slow and --stalling must be non-negative and leave member 0 healthy")
        }
        guard latencyModel() != nil else {
            throw ValidationError("--latency '\(latency)' is not a range like 200us-2ms or exp:FLOOR:MEAN")
        }
        for text in [duration, crashAfter, partitionFor] + (partitionAt.map { [$0] } ?? []) {
            guard parseDuration(text) != nil else { throw ValidationError("'\(text)' is not a duration like 90s, 10m") }
        }
    }

    func run() throws {
        var config = SWIMExperiment.Configuration(nodes: nodes)
        config.settings = SWIM.Settings.preset(named: profile)!
        config.formation = formation
        config.network.lossRate = loss
        config.network.latency = latencyModel()!
        if burstLoss > 0 {
            let length = 20.0
            let start = burstLoss / (length * (1 - burstLoss))
            config.network.burstLoss = BurstLoss(burstStartProbability: start, meanBurstLength: length)
        }
        config.duration = parseDuration(duration)!
        config.crashes = crashes
        config.crashAfter = parseDuration(crashAfter)!
        config.slowMembers = slow
        config.stallingMembers = stalling
        if let partitionAt { config.partition = (parseDuration(partitionAt)!, parseDuration(partitionFor)!) }
        let experiment = SWIMExperiment(config)
        let progress = Progress(total: runs)
        var outcomes: [SWIMExperiment.Outcome] = []
        for run in 0..<runs {
            outcomes.append(experiment.run(seed: seed &+ UInt64(run)))
            progress.update(run + 1)
        }
        var summary: [String: Distribution] = [
            "formation (s)": Distribution(outcomes.map(\.formationSeconds)),
            "first suspicion (s)": Distribution(outcomes.flatMap(\.firstSuspicion)),
            "first detection (s)": Distribution(outcomes.flatMap(\.firstDetection)),
            "first probe of a crash (periods)": Distribution(outcomes.flatMap(\.firstProbePeriods)),
            "last detection (s)": Distribution(outcomes.flatMap { $0.lastDetection.compactMap { $0 } }),
            "false suspicions": Distribution(outcomes.map(\.falseSuspicions)),
            "false deaths": Distribution(outcomes.map(\.falseDeaths)),
            "failed probes per probe": Distribution(
                outcomes.map { Double($0.failedProbes) / Double(max($0.probes, 1)) }),
            "packets per member per second": Distribution(
                outcomes.map { Double($0.packets) / Double(nodes) / config.duration.secondsValue }),
        ]
        if config.partition != nil {
            summary["verdicts across the partition"] = Distribution(outcomes.map(\.partitionVerdicts))
            summary["convergence after healing (s)"] = Distribution(
                outcomes.compactMap(\.partitionConvergenceSeconds))
        }
        if slow + stalling > 0 {
            summary["degraded members suspected"] = Distribution(outcomes.map(\.degradedSuspicions))
        }
        let alive = averageTimeline(outcomes.map { $0.aliveSeenByFirst.map(Double.init) })
        let seconds = alive.indices.map(Double.init)
        var parameters = [
            "nodes": String(nodes), "profile": profile, "formation": formation.rawValue, "latency": latency,
            "loss": String(loss),
            "burst loss": String(burstLoss),
            "duration": duration, "crashes": String(crashes), "crash after": crashAfter, "slow": String(slow),
            "stalling": String(stalling), "runs": String(runs), "seed": String(seed),
        ]
        if let partitionAt { parameters["partition"] = "at \(partitionAt) for \(partitionFor)" }
        let report = SimulationReport(
            command: "swim", parameters: parameters, summary: summary,
            timeline: Timeline(
                columns: ["second", "alive members seen by member 0"],
                rows: seconds.indices.map { [seconds[$0], alive[$0]] }),
            plots: [
                Plot(
                    title: "Alive members as member 0 sees them", xLabel: "virtual seconds after formation",
                    yLabel: "alive members", series: [Series(name: "member 0's view", x: seconds, y: alive)])
            ])
        var text = ["SWIM (\(profile)) with \(nodes) members for \(duration) after formation, \(runs) run(s)"]
        for key in summary.keys.sorted() { text.append(summaryLine(key, summary[key]!)) }
        try output.emit(report, text: text)
    }
}

extension SWIMSimCommand {
    /// The `--latency` flag as a model.
    func latencyModel() -> LatencyModel? {
        if latency.hasPrefix("exp:") {
            let parts = latency.split(separator: ":").dropFirst().map { parseDuration(String($0)) }
            guard parts.count == 2, let floor = parts[0], let mean = parts[1] else { return nil }
            return .exponential(floor: floor, mean: mean)
        }
        let bounds = latency.split(separator: "-").map { parseDuration(String($0)) }
        guard bounds.count == 2, let low = bounds[0], let high = bounds[1], low <= high else { return nil }
        return .uniform(low, high)
    }
}

/// `90s`, `10m`, `1h`, `500ms`, `200us`, or plain seconds.
func parseDuration(_ text: String) -> Duration? {
    let units: [(String, Double)] = [("us", 0.000_001), ("ms", 0.001), ("s", 1), ("m", 60), ("h", 3600)]
    let (number, scale) =
        units.first { text.hasSuffix($0.0) }.map { (text.dropLast($0.0.count), $0.1) } ?? (text[...], 1)
    // At most about 292 years, what 64 bits of nanoseconds hold; anything else is not a duration.
    guard let value = Double(number), value >= 0, value.isFinite, value * scale * 1e9 < 9.2e18 else { return nil }
    return .nanoseconds(Int64(value * scale * 1e9))
}

extension SWIMExperiment.Formation: ExpressibleByArgument {}
