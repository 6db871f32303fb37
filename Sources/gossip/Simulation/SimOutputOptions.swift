import ArgumentParser
import Foundation
import GossipSimulator

/// How a simulation prints its results: text for a person or one JSON object, and optionally a report directory.
struct SimOutputOptions: ParsableArguments {
    /// The printed form.
    enum Format: String, ExpressibleByArgument, CaseIterable {
        case text
        case json
    }

    @Option(
        help:
            "text, or json for one JSON object (swift-gossip/sim-report/1; scenarios: docs/scenario-report.schema.json)."
    )
    var format: Format = .text

    @Option(help: "Write summary.json, timeline.csv and report.html into this directory.")
    var report: String?

    /// Prints the report (text lines or JSON) and writes the report directory if asked.
    func emit(_ report: SimulationReport, text: [String]) throws {
        switch format {
        case .text:
            for line in text { print(line) }
        case .json:
            print(String(decoding: try ReportWriter.json(report), as: UTF8.self))
        }
        if let directory = self.report {
            try ReportWriter.write(report, to: URL(fileURLWithPath: directory))
            if format == .text { print("report written to \(directory)/report.html") }
        }
    }
}

/// Progress on standard error for long runs: `run 3/10`.
struct Progress {
    let total: Int
    let enabled: Bool

    init(total: Int) {
        self.total = total
        self.enabled = total >= 5
    }

    func update(_ done: Int) {
        guard enabled, done == total || done % max(1, total / 20) == 0 else { return }
        FileHandle.standardError.write(Data("\rrun \(done)/\(total)".utf8))
        if done == total { FileHandle.standardError.write(Data("\n".utf8)) }
    }
}

/// A summary line: `rounds  mean 16.4  p50 16  p99 18  min 15  max 18`.
func summaryLine(_ name: String, _ distribution: Distribution) -> String {
    let padded = name.padding(toLength: 34, withPad: " ", startingAt: 0)
    guard distribution.count > 0 else { return "\(padded) none of the runs" }
    return "\(padded) mean \(formatNumber(distribution.mean))  p50 \(formatNumber(distribution.p50))  "
        + "p99 \(formatNumber(distribution.p99))  min \(formatNumber(distribution.min))  "
        + "max \(formatNumber(distribution.max))"
}

/// Averages timelines of unequal length, holding each run's last value after it ends.
func averageTimeline(_ runs: [[Double]]) -> [Double] {
    let length = runs.map(\.count).max() ?? 0
    return (0..<length).map { index in
        runs.reduce(0) { $0 + ($1.isEmpty ? 0 : $1[min(index, $1.count - 1)]) } / Double(max(runs.count, 1))
    }
}
