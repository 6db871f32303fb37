import ArgumentParser
import Foundation
import GossipSimulator

/// `gossip sim reproduce NAME`: a paper's figures next to the simulator's, PASS or FAIL per row.
struct ReproduceCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "reproduce",
        abstract: "Reproduce a classic paper's figures: demers, spreading, swim, lifeguard, plumtree or pbcast.",
        discussion: "Prints paper value, measured value, tolerance and verdict per row; exits 1 if any row fails.")

    @Argument(help: "demers, spreading, swim, lifeguard, plumtree or pbcast.")
    var name: String

    @Flag(help: "A reduced size that runs in seconds (what the test suite runs).")
    var quick = false

    @Option(help: "Seed.")
    var seed: UInt64 = 1

    @OptionGroup var output: SimOutputOptions

    func validate() throws {
        guard Reproduction.names.contains(name) else {
            throw ValidationError(
                "unknown reproduction '\(name)'; choose one of \(Reproduction.names.joined(separator: ", "))")
        }
    }

    func run() throws {
        let reproduction = Reproduction.named(name, quick: quick, seed: seed)!
        let report = SimulationReport(
            command: "reproduce",
            parameters: ["name": name, "size": quick ? "quick" : "full", "seed": String(seed)],
            summary: [:], reproduction: reproduction,
            timeline: Timeline(
                columns: ["row", "expected", "measured", "tolerance", "passed"],
                rows: reproduction.rows.enumerated().map {
                    [
                        Double($0.offset), $0.element.expected, $0.element.measured, $0.element.tolerance,
                        $0.element.passed ? 1 : 0,
                    ]
                }),
            plots: reproduction.plots)
        var text = [reproduction.title, ""]
        let header = ["source", "quantity", "paper or theory", "measured", "tolerance", "verdict"]
        var table = [header]
        for row in reproduction.rows {
            table.append([
                row.source, row.quantity, formatNumber(row.expected), formatNumber(row.measured),
                ReportWriter.toleranceText(row), row.passed ? "PASS" : "FAIL",
            ])
        }
        let widths = header.indices.map { column in table.map { $0[column].count }.max() ?? 0 }
        for line in table {
            text.append(
                line.enumerated().map { $0.element.padding(toLength: widths[$0.offset], withPad: " ", startingAt: 0) }
                    .joined(separator: "  "))
        }
        text.append("")
        text.append(reproduction.passed ? "all rows PASS" : "some rows FAIL")
        try output.emit(report, text: text)
        if !reproduction.passed { throw ExitCode(1) }
    }
}
