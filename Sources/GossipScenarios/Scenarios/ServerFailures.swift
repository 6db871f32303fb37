import GossipSimulator
import SWIM

/// Scenario 2: a messaging company's server farm detects crashed servers with SWIM and Lifeguard.
///
/// Three servers crash 30 s into a run of memberlist's LAN profile; the farm runs once on a clean network and once
/// with 5 % packet loss (with `--simulate-failures`, 10 % loss and two overloaded servers). It reports when the
/// first server and when the last noticed each crash, and any healthy server wrongly suspected or declared dead.
public enum ServerFailures: Scenario {
    /// The command-line name.
    public static let slug = "server-failures"
    /// The setting in a line.
    public static let setting = "a messaging company's server farm across regions detects crashed servers"
    /// What the scenario shows.
    public static let shows = "SWIM probes, indirect probes, suspicion, Lifeguard"

    /// Nodes by mode when `--nodes` is not given.
    public static func defaultNodes(_ mode: ScenarioOptions.Mode) -> Int {
        switch mode {
        case .normal: return 300
        case .test: return 60
        case .benchmark: return 1_000
        }
    }

    /// Runs the scenario: its engines, story, summary, figures and invariants.
    public static func run(_ options: ScenarioOptions) -> ScenarioResult {
        let n = options.nodeCount(for: Self.self)
        var clean = SWIMExperiment.Configuration(nodes: n)
        clean.crashes = 3
        clean.crashAfter = .seconds(30)
        clean.duration = .seconds(options.mode == .test ? 90 : 180)
        var lossy = clean
        lossy.network.lossRate = options.simulateFailures ? 0.10 : 0.05
        if options.simulateFailures { lossy.slowMembers = 2 }
        var results: [SWIMExperiment.Outcome] = []
        let wallSeconds = ScenarioSupport.timed {
            results = [SWIMExperiment(clean).run(seed: options.seed), SWIMExperiment(lossy).run(seed: options.seed)]
        }
        let (a, b) = (results[0], results[1])
        let live = n - 3
        let settings = SWIM.Settings.lan
        let minimum = settings.suspicionMinimumTimeout(clusterSize: live).secondsValue
        let maximum = settings.suspicionMaximumTimeout(clusterSize: live).secondsValue
        let bound = maximum + 2 * settings.probeInterval.secondsValue + 5
        func maxLast(_ outcome: SWIMExperiment.Outcome) -> Double? {
            outcome.lastDetection.contains { $0 == nil } ? nil : outcome.lastDetection.compactMap { $0 }.max()
        }
        let lossPercent = Int(lossy.network.lossRate * 100)
        let story = [
            "\(n) chat servers in Mumbai, Chennai, Delhi and Hyderabad watch each other with SWIM: every second each pings one peer, and asks 3 others to ping it if it stays silent for 500 ms.",
            "At 30 s three servers lose power.",
            "Clean network: the first server to notice suspects one after \(ScenarioSupport.short(a.firstSuspicion.min() ?? .nan)) s; all three are declared dead by everyone after \(ScenarioSupport.short(maxLast(a) ?? .nan)) s (the suspicion timeout at this size lies between \(ScenarioSupport.short(minimum)) and \(ScenarioSupport.short(maximum)) s).",
            "With \(lossPercent)% packet loss\(options.simulateFailures ? " and two overloaded servers" : ""): declared dead by everyone after \(ScenarioSupport.short(maxLast(b) ?? .nan)) s; healthy servers wrongly suspected \(b.falseSuspicions) times (counting every server that heard it), wrongly declared dead \(b.falseDeaths) times.",
        ]
        let summary = ScenarioSummary(
            nodes: n, totalMessages: a.packets + b.packets, convergenceSeconds: maxLast(a),
            convergenceRounds: maxLast(a).map { $0 / settings.probeInterval.secondsValue },
            coveragePercent: 100 * Double(a.lastDetection.compactMap { $0 }.count) / 3,
            messageEfficiencyPercent: 100 * (1 - Double(a.failedProbes) / Double(max(a.probes, 1))))
        let figures = [
            ScenarioFigure("first detection, clean", a.firstDetection.min() ?? .nan, unit: "s"),
            ScenarioFigure("last detection, clean", maxLast(a) ?? .nan, unit: "s"),
            ScenarioFigure("first detection, \(lossPercent)% loss", b.firstDetection.min() ?? .nan, unit: "s"),
            ScenarioFigure("last detection, \(lossPercent)% loss", maxLast(b) ?? .nan, unit: "s"),
            ScenarioFigure("false suspicions, clean", Double(a.falseSuspicions), unit: "events"),
            ScenarioFigure("false suspicions, \(lossPercent)% loss", Double(b.falseSuspicions), unit: "events"),
            ScenarioFigure("false deaths, \(lossPercent)% loss", Double(b.falseDeaths), unit: "events"),
        ]
        let invariants = [
            ScenarioInvariant("every crash is seen dead by every live server, clean", maxLast(a) != nil),
            ScenarioInvariant(
                "no crash is declared before the minimum suspicion timeout",
                (a.firstDetection + b.firstDetection).allSatisfy { $0 >= minimum - 0.001 }),
            ScenarioInvariant(
                "detection completes within the timeout bound, clean", (maxLast(a) ?? .infinity) <= bound),
            ScenarioInvariant("no healthy server is suspected on a clean network", a.falseSuspicions == 0),
            ScenarioInvariant("no healthy server is declared dead under loss", b.falseDeaths == 0),
        ]
        let seconds = a.aliveSeenByFirst.indices.map(Double.init)
        var result = ScenarioResult(
            scenario: slug, setting: setting, options: options, story: story, summary: summary, figures: figures,
            invariants: invariants,
            timeline: Timeline(
                columns: ["second", "alive seen by server 0, clean", "alive seen by server 0, lossy"],
                rows: seconds.indices.map {
                    [
                        seconds[$0], Double(a.aliveSeenByFirst[$0]),
                        Double(b.aliveSeenByFirst[min($0, b.aliveSeenByFirst.count - 1)]),
                    ]
                }),
            plots: [
                Plot(
                    title: "Servers that server 0 lists as alive", xLabel: "seconds", yLabel: "alive servers",
                    series: [
                        Series(name: "clean network", x: seconds, y: a.aliveSeenByFirst.map(Double.init)),
                        Series(
                            name: "\(lossPercent)% loss", x: b.aliveSeenByFirst.indices.map(Double.init),
                            y: b.aliveSeenByFirst.map(Double.init)),
                    ])
            ])
        result.benchmark = ScenarioSupport.benchmark(
            options, seconds: wallSeconds, messages: results.reduce(0) { $0 + $1.packets })
        return result
    }
}
