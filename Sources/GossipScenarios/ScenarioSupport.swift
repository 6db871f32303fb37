import Foundation
import GossipSimulator

/// Helpers the scenarios share: S/I/R tables and plots, names for places, peak memory.
enum ScenarioSupport {
    /// The S/I/R timeline of a round-based run as shares of `nodes`.
    static func sirTimeline(_ timeline: [RoundSimulation.PhaseCounts], nodes: Int) -> Timeline {
        let n = Double(nodes)
        return Timeline(
            columns: ["round", "susceptible", "infective", "removed"],
            rows: timeline.enumerated().map {
                [
                    Double($0.offset), Double($0.element.susceptible) / n, Double($0.element.infective) / n,
                    Double($0.element.removed) / n,
                ]
            })
    }

    /// The S/I/R curves of a timeline built by ``sirTimeline(_:nodes:)``.
    static func sirPlot(_ timeline: Timeline, title: String, unit: String = "round") -> Plot {
        let x = timeline.rows.map { $0[0] }
        return Plot(
            title: title, xLabel: unit, yLabel: "share of nodes",
            series: [
                Series(name: "susceptible (not yet told)", x: x, y: timeline.rows.map { $0[1] }),
                Series(name: "infective (spreading)", x: x, y: timeline.rows.map { $0[2] }),
                Series(name: "removed (told, no longer spreading)", x: x, y: timeline.rows.map { $0[3] }),
            ])
    }

    /// `12.3` with one decimal, `0.0123` with three significant digits.
    static func short(_ value: Double) -> String { formatNumber((value * 1000).rounded() / 1000) }

    /// The stations of Mumbai's Western line, then numbered stations.
    static func station(_ index: Int) -> String {
        let names = [
            "Churchgate", "Marine Lines", "Charni Road", "Grant Road", "Mumbai Central", "Mahalaxmi", "Lower Parel",
            "Prabhadevi", "Dadar", "Matunga Road", "Mahim", "Bandra", "Khar Road", "Santacruz", "Vile Parle",
            "Andheri", "Jogeshwari", "Ram Mandir", "Goregaon", "Malad", "Kandivali", "Borivali", "Dahisar",
            "Mira Road", "Bhayandar", "Naigaon", "Vasai Road", "Nallasopara", "Virar",
        ]
        return index < names.count ? names[index] : "Station \(index + 1)"
    }

    /// Wall-clock seconds `body` takes.
    static func timed(_ body: () -> Void) -> Double {
        let clock = ContinuousClock()
        let start = clock.now
        body()
        let wall = clock.now - start
        return Double(wall.components.seconds) + Double(wall.components.attoseconds) * 1e-18
    }

    /// The benchmark figures of a run that took `seconds` and simulated `messages`, in benchmark mode only.
    static func benchmark(_ options: ScenarioOptions, seconds: Double, messages: Int) -> ScenarioBenchmark? {
        guard options.mode == .benchmark else { return nil }
        return ScenarioBenchmark(
            messagesPerSecond: Double(messages) / max(seconds, 1e-9), wallSeconds: seconds,
            peakMemoryMiB: Double(peakResidentBytes()) / 1_048_576)
    }
}
