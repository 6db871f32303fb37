import ArgumentParser
import Foundation
import GossipScenarios
import GossipSimulator

/// `gossip scenario`: the teaching scenarios.
struct ScenarioCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "scenario",
        abstract: "Run the project's teaching scenarios: stories told with the library on the simulator.",
        subcommands: [ScenarioListCommand.self, ScenarioRunCommand.self])
}

/// `gossip scenario list`.
struct ScenarioListCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "List the scenarios.")

    func run() {
        let width = ScenarioCatalog.all.map { $0.slug.count }.max() ?? 0
        for scenario in ScenarioCatalog.all {
            print("\(scenario.slug.padding(toLength: width, withPad: " ", startingAt: 0))  \(scenario.setting)")
            print("\(String(repeating: " ", count: width))  shows: \(scenario.shows)")
        }
    }
}

/// `gossip scenario run SLUG`.
struct ScenarioRunCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run", abstract: "Run one scenario: its story, summary block and figures.")

    @Argument(help: "The scenario's slug (see gossip scenario list).")
    var slug: String

    @Option(help: "Seed.")
    var seed: UInt64 = 1

    @Option(help: "Nodes (the scenario's default if not given).")
    var nodes: Int?

    @Flag(help: "Small and fast; check the scenario's invariants and exit 1 if one fails.")
    var testMode = false

    @Flag(help: "Add the failures that mean something in this setting (crashes, loss, partitions).")
    var simulateFailures = false

    @Flag(help: "Run at a large size and print simulated messages per second and peak memory.")
    var benchmark = false

    @OptionGroup var output: SimOutputOptions

    func validate() throws {
        guard ScenarioCatalog.scenario(named: slug) != nil else {
            throw ValidationError(
                "unknown scenario '\(slug)'; choose one of \(ScenarioCatalog.all.map { $0.slug }.joined(separator: ", "))"
            )
        }
        if let nodes, nodes < 10 { throw ValidationError("--nodes must be at least 10") }
        guard !(testMode && benchmark) else { throw ValidationError("choose --test-mode or --benchmark, not both") }
    }

    func run() throws {
        let scenario = ScenarioCatalog.scenario(named: slug)!
        let options = ScenarioOptions(
            seed: seed, nodes: nodes, mode: testMode ? .test : (benchmark ? .benchmark : .normal),
            simulateFailures: simulateFailures)
        let result = scenario.run(options)
        switch output.format {
        case .json:
            print(String(decoding: try ScenarioReportWriter.json(result), as: UTF8.self))
        case .text:
            for line in ScenarioReportWriter.text(result) { print(line) }
        }
        if let directory = output.report {
            try ScenarioReportWriter.write(result, to: URL(fileURLWithPath: directory))
            if output.format == .text { print("report written to \(directory)/report.html") }
        }
        if testMode && !result.invariantsHold { throw ExitCode(1) }
    }
}
