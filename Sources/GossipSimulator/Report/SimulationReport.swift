import Foundation

/// Everything a simulator run reports, in one documented JSON object (`gossip sim … --format json`, and
/// `summary.json` in a report directory).
///
/// - `schema`: `"swift-gossip/sim-report/1"`.
/// - `command`: the subcommand (`spread`, `rumor`, `swim`, `pushsum`, `reproduce`).
/// - `parameters`: every setting of the run, as strings, including the seed.
/// - `summary`: each measurement across runs as a ``Distribution`` (count, mean, p50, p99, min, max,
///   standardError).
/// - `reproduction`: for `reproduce`, the rows with paper value, measured value, tolerance and verdict.
/// - `timeline`: column names and rows (the same table as `timeline.csv`).
/// - `plots`: the figures of `report.html`, as series of points.
public struct SimulationReport: Sendable, Hashable, Codable {
    /// The schema's name and version.
    public var schema = "swift-gossip/sim-report/1"
    /// The subcommand.
    public var command: String
    /// The run's settings.
    public var parameters: [String: String]
    /// Measurements across runs.
    public var summary: [String: Distribution]
    /// A paper reproduction's rows, for `reproduce`.
    public var reproduction: Reproduction?
    /// The timeline table.
    public var timeline: Timeline
    /// The plots.
    public var plots: [Plot]

    /// A report.
    public init(
        command: String, parameters: [String: String], summary: [String: Distribution],
        reproduction: Reproduction? = nil, timeline: Timeline, plots: [Plot]
    ) {
        self.command = command
        self.parameters = parameters
        self.summary = summary
        self.reproduction = reproduction
        self.timeline = timeline
        self.plots = plots
    }
}

/// A table over time (rounds or seconds): named columns, rows of numbers.
public struct Timeline: Sendable, Hashable, Codable {
    /// Column names, the first being the time axis (`round`, `second`).
    public var columns: [String]
    /// Rows, each as long as `columns`.
    public var rows: [[Double]]

    /// A timeline.
    public init(columns: [String], rows: [[Double]]) {
        self.columns = columns
        self.rows = rows
    }

    /// The table as CSV with a header line.
    public var csv: String {
        var text = columns.joined(separator: ",") + "\n"
        for row in rows { text += row.map { formatNumber($0) }.joined(separator: ",") + "\n" }
        return text
    }
}

/// A figure: a title, labelled axes with units, and one or more series.
public struct Plot: Sendable, Hashable, Codable {
    /// The title.
    public var title: String
    /// The x axis label, with its unit.
    public var xLabel: String
    /// The y axis label, with its unit.
    public var yLabel: String
    /// The curves.
    public var series: [Series]
    /// Whether the x axis is logarithmic.
    public var logarithmicX: Bool
    /// Whether the y axis is logarithmic.
    public var logarithmicY: Bool

    /// A plot.
    public init(
        title: String, xLabel: String, yLabel: String, series: [Series], logarithmicX: Bool = false,
        logarithmicY: Bool = false
    ) {
        self.title = title
        self.xLabel = xLabel
        self.yLabel = yLabel
        self.series = series
        self.logarithmicX = logarithmicX
        self.logarithmicY = logarithmicY
    }
}

/// A number as reports print it: integers without a fraction, others with 6 significant digits.
public func formatNumber(_ value: Double) -> String {
    guard value.isFinite else { return value.isNaN ? "nan" : (value > 0 ? "inf" : "-inf") }
    if value == value.rounded() && abs(value) < 1e15 { return String(Int64(value)) }
    return String(format: "%.6g", value)
}
