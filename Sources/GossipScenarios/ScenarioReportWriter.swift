import Foundation
import GossipSimulator

/// Prints a ``ScenarioResult`` for a person, as JSON, or as a report directory (`summary.json`, `timeline.csv`,
/// `report.html`, `plot-N.svg`).
public enum ScenarioReportWriter {
    /// Deterministic JSON (sorted keys).
    public static func json(_ result: ScenarioResult) throws -> Data {
        try ReportWriter.encoder().encode(result)
    }

    /// The story, the summary block, the figures and the invariants, as lines.
    public static func text(_ result: ScenarioResult) -> [String] {
        var lines = ["\(result.scenario): \(result.setting)", ""]
        lines += result.story.map { "  " + $0 }
        let s = result.summary
        lines += [
            "", "Summary",
            "  nodes                   \(s.nodes)",
            "  total messages          \(s.totalMessages)",
            "  convergence             \(s.convergenceSeconds.map { formatNumber($0) + " s" } ?? "—")"
                + "\(s.convergenceRounds.map { " (" + formatNumber($0) + " rounds)" } ?? "")",
            "  coverage                \(formatNumber(s.coveragePercent)) %",
            "  message efficiency      \(formatNumber(s.messageEfficiencyPercent)) %",
            "", "Figures",
        ]
        let width = result.figures.map(\.name.count).max() ?? 0
        for figure in result.figures {
            var line =
                "  \(figure.name.padding(toLength: width, withPad: " ", startingAt: 0))  "
                + "\(formatNumber(figure.value)) \(figure.unit)"
            if let theory = figure.theory {
                line += "   theory \(formatNumber(theory))\(figure.theoryName.map { " (" + $0 + ")" } ?? "")"
            }
            lines.append(line)
        }
        lines += ["", "Invariants"]
        for invariant in result.invariants {
            lines.append("  \(invariant.holds ? "ok  " : "FAIL") \(invariant.statement)")
        }
        if let bench = result.benchmark {
            lines += [
                "", "Benchmark",
                "  simulated messages per second  \(formatNumber(bench.messagesPerSecond.rounded()))",
                "  wall time                      \(formatNumber(bench.wallSeconds)) s",
                "  peak memory                    \(formatNumber(bench.peakMemoryMiB)) MiB",
            ]
        }
        return lines
    }

    /// Writes the report directory.
    public static func write(_ result: ScenarioResult, to directory: URL) throws {
        var parameters = [
            "seed": String(result.options.seed), "mode": result.options.mode.rawValue,
            "simulate failures": String(result.options.simulateFailures), "nodes": String(result.summary.nodes),
        ]
        parameters["setting"] = result.setting
        var summary: [String: Distribution] = [:]
        for figure in result.figures { summary[figure.name + " (\(figure.unit))"] = Distribution([figure.value]) }
        let report = SimulationReport(
            command: "scenario \(result.scenario)", parameters: parameters, summary: summary,
            timeline: result.timeline, plots: result.plots)
        try ReportWriter.write(report, to: directory)
        try json(result).write(to: directory.appendingPathComponent("summary.json"))
        let story = "<h2>Story</h2>" + result.story.map { "<p>\(ReportWriter.escape($0))</p>" }.joined()
        let page = try String(contentsOf: directory.appendingPathComponent("report.html"), encoding: .utf8)
            .replacingOccurrences(of: "<h2>Parameters</h2>", with: story + "<h2>Parameters</h2>")
        try Data(page.utf8).write(to: directory.appendingPathComponent("report.html"))
    }
}
