import Foundation
import GossipSimulator
import GossipTestKit
import Testing

@Suite("Paper reproductions at reduced size")
struct ReproductionTests {
    @Test("every reproduction passes every row at its reduced size", arguments: Reproduction.names)
    func passes(name: String) async throws {
        let computed = await onComputeThread { Reproduction.named(name, quick: true) }
        let reproduction = try #require(computed)
        for row in reproduction.rows where !row.passed {
            Issue.record("\(name): \(row.source) \(row.quantity): expected \(row.expected), measured \(row.measured)")
        }
        #expect(reproduction.passed)
        #expect(!reproduction.rows.isEmpty)
    }

    @Test("the same seed gives byte-identical JSON")
    func deterministicJSON() throws {
        func json() throws -> Data {
            let reproduction = Reproduction.spreading(sizes: [500], runs: 5, seed: 7)
            let report = SimulationReport(
                command: "reproduce", parameters: ["seed": "7"], summary: [:], reproduction: reproduction,
                timeline: Timeline(columns: ["x"], rows: [[1]]), plots: reproduction.plots)
            return try ReportWriter.json(report)
        }
        #expect(try json() == json())
    }

    @Test("a report directory holds summary.json, timeline.csv and an HTML page with an SVG plot")
    func reportDirectory() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("gossip-report-\(UUID())")
        defer { try? FileManager.default.removeItem(at: directory) }
        let report = SimulationReport(
            command: "spread", parameters: ["nodes": "10"], summary: ["rounds": Distribution([3, 4, 5])],
            timeline: Timeline(columns: ["round", "informed"], rows: [[0, 0.1], [1, 0.5], [2, 1]]),
            plots: [
                Plot(
                    title: "Coverage", xLabel: "round", yLabel: "share",
                    series: [Series(name: "push", x: [0, 1, 2], y: [0.1, 0.5, 1])])
            ])
        try ReportWriter.write(report, to: directory)
        let csv = try String(contentsOf: directory.appendingPathComponent("timeline.csv"), encoding: .utf8)
        #expect(csv == "round,informed\n0,0.1\n1,0.5\n2,1\n")
        let html = try String(contentsOf: directory.appendingPathComponent("report.html"), encoding: .utf8)
        #expect(html.contains("<svg"))
        #expect(html.contains("<polyline"))
        #expect(html.contains(">round</text>"))
        let decoded = try JSONDecoder().decode(
            SimulationReport.self, from: Data(contentsOf: directory.appendingPathComponent("summary.json")))
        #expect(decoded == report)
    }
}
