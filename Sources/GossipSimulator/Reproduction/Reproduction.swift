/// A published result set next to what the simulator measures: one row per figure, each judged PASS or FAIL
/// against a stated tolerance.
public struct Reproduction: Sendable, Hashable, Codable {
    /// One figure of the paper and its measurement.
    public struct Row: Sendable, Hashable, Codable {
        /// Where the figure comes from: `Table 1, k=2`.
        public var source: String
        /// What is measured: `residue s`, `traffic m`, `rounds`.
        public var quantity: String
        /// The paper's value (or the theory's).
        public var expected: Double
        /// The simulator's mean.
        public var measured: Double
        /// Standard error of the measured mean.
        public var standardError: Double
        /// The largest accepted |measured − expected|; for a one-sided row, 0.
        public var tolerance: Double
        /// How the tolerance was set: `2%`, `5% or 3 s.e.`, `±2 rounds`, `at least`.
        public var toleranceRule: String
        /// Whether the row is a bound rather than a value: the measurement must be at least (or at most) `expected`.
        public var bound: Bound?

        /// The side of a one-sided row.
        public enum Bound: String, Sendable, Hashable, Codable {
            /// measured ≥ expected.
            case atLeast = "at least"
            /// measured ≤ expected.
            case atMost = "at most"
        }

        /// Whether the measurement lies within the tolerance (or on the right side of a bound).
        public var passed: Bool {
            switch bound {
            case .atLeast: return measured >= expected
            case .atMost: return measured <= expected
            case nil: return abs(measured - expected) <= tolerance
            }
        }

        /// A one-sided row: the measurement must be at least (or at most) `expected`.
        public init(source: String, quantity: String, bound: Bound, expected: Double, measured: Double) {
            self.init(
                source: source, quantity: quantity, expected: expected, measured: measured, tolerance: 0,
                toleranceRule: bound.rawValue)
            self.bound = bound
        }

        /// A row.
        public init(
            source: String, quantity: String, expected: Double, measured: Double, standardError: Double = 0,
            tolerance: Double, toleranceRule: String
        ) {
            self.source = source
            self.quantity = quantity
            self.expected = expected
            self.measured = measured
            self.standardError = standardError
            self.tolerance = tolerance
            self.toleranceRule = toleranceRule
        }
    }

    /// The reproduction's name on the command line: `demers`, `spreading`, `swim`, `lifeguard`.
    public var name: String
    /// The paper or experiment.
    public var title: String
    /// How the simulation was set up, for the report.
    public var method: String
    /// The rows.
    public var rows: [Row]
    /// Series worth plotting (for example coverage over rounds), by name.
    public var series: [Series]

    /// Whether every row passed.
    public var passed: Bool { rows.allSatisfy(\.passed) }

    /// A reproduction.
    public init(name: String, title: String, method: String, rows: [Row], series: [Series] = []) {
        self.name = name
        self.title = title
        self.method = method
        self.rows = rows
        self.series = series
    }

    /// The names `gossip sim reproduce` accepts.
    public static let names = ["demers", "spreading", "swim", "lifeguard", "plumtree", "pbcast"]
}

/// A named curve: x and y values of equal length.
public struct Series: Sendable, Hashable, Codable {
    /// The legend entry.
    public var name: String
    /// X values.
    public var x: [Double]
    /// Y values.
    public var y: [Double]

    /// A series.
    public init(name: String, x: [Double], y: [Double]) {
        self.name = name
        self.x = x
        self.y = y
    }
}

extension Reproduction {
    /// The reproduction called `name`, at full size or at the reduced size the test suite runs.
    public static func named(_ name: String, quick: Bool, seed: UInt64 = 1) -> Reproduction? {
        switch name {
        case "demers": return quick ? .demers(runs: 400, seed: seed) : .demers(runs: 1_000, seed: seed)
        case "spreading":
            return quick ? .spreading(sizes: [1_000, 10_000], runs: 20, seed: seed) : .spreading(seed: seed)
        case "swim": return quick ? .swim(nodes: 40, runs: 30, lossRuns: 1, seed: seed) : .swim(seed: seed)
        case "lifeguard":
            return quick ? .lifeguard(nodes: 40, duration: .seconds(120), seed: seed) : .lifeguard(seed: seed)
        case "plumtree": return quick ? .plumtree(nodes: 1_000, seed: seed) : .plumtree(seed: seed)
        case "pbcast": return quick ? .pbcast(runs: 1_000, seed: seed) : .pbcast(seed: seed)
        default: return nil
        }
    }

    /// The figures for a report: the series, on a plot suited to the reproduction.
    public var plots: [Plot] {
        switch name {
        case "demers":
            return [
                Plot(
                    title: "Residue s against k", xLabel: "k (counter limit or 1/coin probability)",
                    yLabel: "residue s (share never informed)", series: series, logarithmicY: true)
            ]
        case "spreading":
            return [
                Plot(
                    title: "Rounds to inform everyone", xLabel: "nodes n", yLabel: "rounds (mean)", series: series,
                    logarithmicX: true)
            ]
        case "swim":
            return [
                Plot(
                    title: "Periods until a crashed member is first probed", xLabel: "run (sorted)",
                    yLabel: "protocol periods", series: series)
            ]
        case "plumtree":
            return [
                Plot(
                    title: "Reliability of each broadcast after a share of the nodes fail at once",
                    xLabel: "broadcast", yLabel: "share of the survivors delivering", series: series)
            ]
        case "pbcast":
            return [
                Plot(
                    title: "How many members deliver a message whose multicast mostly failed",
                    xLabel: "members delivering", yLabel: "probability", series: series, logarithmicY: true)
            ]
        default:
            return [
                Plot(
                    title: "Alive members seen by member 0", xLabel: "virtual seconds after formation",
                    yLabel: "alive members", series: series)
            ]
        }
    }
}
