import GossipSimulator

/// One of the project's fifteen teaching scenarios: a setting (stations, servers, warehouses), a story, and the
/// library's real parts composed to tell it, run on the simulator in virtual time.
public protocol Scenario: Sendable {
    /// The command-line name: `train-delays`.
    static var slug: String { get }
    /// The setting in a line.
    static var setting: String { get }
    /// What the scenario shows, in a line.
    static var shows: String { get }
    /// Nodes when `--nodes` is not given, in normal, test and benchmark mode.
    static func defaultNodes(_ mode: ScenarioOptions.Mode) -> Int

    /// Runs the scenario.
    static func run(_ options: ScenarioOptions) -> ScenarioResult
}

/// How a scenario is asked to run.
public struct ScenarioOptions: Sendable, Hashable, Codable {
    /// The size and purpose of a run.
    public enum Mode: String, Sendable, Hashable, Codable {
        /// The scenario at its normal size.
        case normal
        /// Small and fast; the scenario checks its invariants.
        case test
        /// Large; the scenario reports simulated messages per second and peak memory.
        case benchmark
    }

    /// Seed of every random choice.
    public var seed: UInt64 = 1
    /// Nodes; `nil` for the scenario's default in this mode.
    public var nodes: Int?
    /// Normal, test or benchmark.
    public var mode: Mode = .normal
    /// Whether to add the failures that mean something in this setting (crashes, loss, partitions).
    public var simulateFailures = false

    /// Options with the defaults above.
    public init(seed: UInt64 = 1, nodes: Int? = nil, mode: Mode = .normal, simulateFailures: Bool = false) {
        self.seed = seed
        self.nodes = nodes
        self.mode = mode
        self.simulateFailures = simulateFailures
    }

    /// The node count to use for `scenario`.
    public func nodeCount<S: Scenario>(for scenario: S.Type) -> Int { nodes ?? S.defaultNodes(mode) }
}

/// The summary block every scenario prints.
public struct ScenarioSummary: Sendable, Hashable, Codable {
    /// Nodes simulated.
    public var nodes: Int
    /// Messages sent in all.
    public var totalMessages: Int
    /// Virtual seconds until the scenario's goal was reached (coverage, detection, agreement), if it was.
    public var convergenceSeconds: Double?
    /// The same in gossip rounds.
    public var convergenceRounds: Double?
    /// Share of nodes that got what they should have, in percent.
    public var coveragePercent: Double
    /// Useful deliveries over all deliveries, in percent.
    public var messageEfficiencyPercent: Double

    /// A summary.
    public init(
        nodes: Int, totalMessages: Int, convergenceSeconds: Double?, convergenceRounds: Double?,
        coveragePercent: Double, messageEfficiencyPercent: Double
    ) {
        self.nodes = nodes
        self.totalMessages = totalMessages
        self.convergenceSeconds = convergenceSeconds
        self.convergenceRounds = convergenceRounds
        self.coveragePercent = coveragePercent
        self.messageEfficiencyPercent = messageEfficiencyPercent
    }
}

/// One of the scenario's own figures, with the theory's value where there is one.
public struct ScenarioFigure: Sendable, Hashable, Codable {
    /// What it is: `rounds to full coverage`.
    public var name: String
    /// The measured value.
    public var value: Double
    /// Its unit: `rounds`, `s`, `%`, `messages`.
    public var unit: String
    /// The theory's value, if the scenario has one.
    public var theory: Double?
    /// Which theory: `log2 n + ln n`.
    public var theoryName: String?

    /// A figure.
    public init(_ name: String, _ value: Double, unit: String, theory: Double? = nil, theoryName: String? = nil) {
        self.name = name
        self.value = value
        self.unit = unit
        self.theory = theory
        self.theoryName = theoryName
    }
}

/// A property the scenario promises; `--test-mode` fails if one does not hold.
public struct ScenarioInvariant: Sendable, Hashable, Codable {
    /// What must hold, in words.
    public var statement: String
    /// Whether it held.
    public var holds: Bool

    /// An invariant.
    public init(_ statement: String, _ holds: Bool) {
        self.statement = statement
        self.holds = holds
    }
}

/// Everything a scenario run produced.
public struct ScenarioResult: Sendable, Hashable, Codable {
    /// The schema's name and version.
    public var schema = "swift-gossip/scenario-report/1"
    /// The scenario's slug.
    public var scenario: String
    /// The setting.
    public var setting: String
    /// The options it ran with.
    public var options: ScenarioOptions
    /// The story, a line per event, in the setting's terms.
    public var story: [String]
    /// The summary block.
    public var summary: ScenarioSummary
    /// The scenario's own figures.
    public var figures: [ScenarioFigure]
    /// The invariants and whether they held.
    public var invariants: [ScenarioInvariant]
    /// The timeline table (`timeline.csv`).
    public var timeline: Timeline
    /// The plots of `report.html`.
    public var plots: [Plot]
    /// Benchmark mode only: simulated messages per wall-clock second and peak resident memory in MiB.
    public var benchmark: ScenarioBenchmark?

    /// Whether every invariant held.
    public var invariantsHold: Bool { invariants.allSatisfy(\.holds) }

    /// A result.
    public init(
        scenario: String, setting: String, options: ScenarioOptions, story: [String], summary: ScenarioSummary,
        figures: [ScenarioFigure], invariants: [ScenarioInvariant], timeline: Timeline, plots: [Plot]
    ) {
        self.scenario = scenario
        self.setting = setting
        self.options = options
        self.story = story
        self.summary = summary
        self.figures = figures
        self.invariants = invariants
        self.timeline = timeline
        self.plots = plots
    }
}

/// What `--benchmark` measures.
public struct ScenarioBenchmark: Sendable, Hashable, Codable {
    /// Simulated messages per wall-clock second.
    public var messagesPerSecond: Double
    /// Wall-clock seconds of the run.
    public var wallSeconds: Double
    /// Peak resident memory of the process, MiB.
    public var peakMemoryMiB: Double

    /// A benchmark figure set.
    public init(messagesPerSecond: Double, wallSeconds: Double, peakMemoryMiB: Double) {
        self.messagesPerSecond = messagesPerSecond
        self.wallSeconds = wallSeconds
        self.peakMemoryMiB = peakMemoryMiB
    }
}
