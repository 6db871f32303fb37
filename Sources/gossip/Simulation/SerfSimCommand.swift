import ArgumentParser
import Foundation
import GossipCore
import GossipSimulator
import GossipTestKit
import NodeCore
import SWIM

/// `gossip sim serf`: full node cores (membership and Serf's layer) in virtual time, user events under loss and
/// a partition.
struct SerfSimCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serf",
        abstract:
            "Run full node cores (memberlist, Serf's layer, the replicated store) in virtual time; measure delivery.",
        discussion: """
            Each event is sent from a random live member; the report gives, per event, the share of live members \
            that delivered it, the deliveries beyond the first (0 is right) and the delivery latency, next to the \
            spread model's time. With --writes, members also write to the replicated store (every fifth write \
            overwrites an earlier key), and the report says whether every replica ended with every winning write \
            and how long after the last write (or the heal) that took.

            Examples:
              gossip sim serf --nodes 1000 --events 20 --loss 0.1
              gossip sim serf --nodes 200 --writes 1000 --partition 30s:60s --format json
            """)

    @Option(help: "Members (at least 2).")
    var nodes: Int = 1000

    @Option(help: "User events, sent from random members over the first half of the run.")
    var events: Int = 20

    @Option(help: "Key-value writes, made on random members over the first half of the run (0: no store).")
    var writes: Int = 0

    @Option(help: "Share of datagrams lost, uniformly (0...1).")
    var loss: Double = 0

    @Option(help: "Split the cluster in halves: START:DURATION, e.g. 30s:60s.")
    var partition: String?

    @Option(help: "Virtual time to run, e.g. 120s, 10m.")
    var duration: String = "120s"

    @Option(help: "How events and writes travel: serf (Serf's gossip) or plumtree (the broadcast tree).")
    var broadcast: String = "serf"

    @Option(help: "Seed.")
    var seed: UInt64 = 1

    @OptionGroup var output: SimOutputOptions

    func validate() throws {
        guard ["serf", "plumtree"].contains(broadcast) else {
            throw ValidationError("--broadcast must be serf or plumtree, not '\(broadcast)'")
        }
        guard nodes >= 2 else { throw ValidationError("--nodes must be at least 2") }
        guard events >= 0 else { throw ValidationError("--events must not be negative") }
        guard writes >= 0 else { throw ValidationError("--writes must not be negative") }
        guard (0..<1).contains(loss) else { throw ValidationError("--loss must lie in [0, 1)") }
        guard let length = parseDuration(duration), length > .zero else {
            throw ValidationError("--duration '\(duration)' is not a duration like 120s, 10m")
        }
        if let partition {
            guard let (start, span) = Self.parsePartition(partition) else {
                throw ValidationError("--partition '\(partition)' is not START:DURATION like 30s:60s")
            }
            guard start + span < length else {
                throw ValidationError("--partition must heal before the end of --duration")
            }
        }
    }

    static func parsePartition(_ text: String) -> (Duration, Duration)? {
        let parts = text.split(separator: ":").map { parseDuration(String($0)) }
        guard parts.count == 2, let start = parts[0], let length = parts[1], length > .zero else { return nil }
        return (start, length)
    }

    func run() throws {
        var config = SerfExperiment.Configuration(nodes: nodes)
        config.events = events
        config.writes = writes
        config.network.lossRate = loss
        config.duration = parseDuration(duration)!
        config.partition = partition.flatMap(Self.parsePartition)
        config.broadcastTree = broadcast == "plumtree" ? NodeCore.TreeConfiguration() : nil
        let clock = ContinuousClock()
        let started = clock.now
        let outcome = SerfExperiment(config).run(seed: seed)
        let wall = (clock.now - started).secondsValue
        let model = SerfExperiment.modelSeconds(nodes: nodes, settings: config.settings)
        let latencies = outcome.events.flatMap(\.latencies)
        var summary: [String: Distribution] = [
            "share of live members reached": Distribution(outcome.events.map(\.reached)),
            "duplicates delivered": Distribution(outcome.events.map { Double($0.duplicates) }),
            "delivery latency (s)": Distribution(latencies),
            "last delivery of an event (s)": Distribution(outcome.events.map { $0.latencies.last ?? 0 }),
            "spread model (s)": Distribution([model]),
            "packets per member per second": Distribution([
                Double(outcome.packets) / Double(nodes) / config.duration.secondsValue
            ]),
        ]
        if let writes = outcome.writes {
            summary["writes acknowledged"] = Distribution([Double(writes.acknowledged)])
            summary["replicas with every write"] = Distribution([writes.replicasComplete])
            summary["replicas agree (1 = yes)"] = Distribution([writes.agree ? 1 : 0])
            if let seconds = writes.convergedAfter {
                summary["converged after last write (s)"] = Distribution([seconds])
            }
        }
        var parameters = [
            "nodes": String(nodes), "events": String(events), "loss": String(loss), "duration": duration,
            "seed": String(seed), "writes": String(writes),
        ]
        if let partition { parameters["partition"] = partition }
        parameters["broadcast"] = broadcast
        let cdf = latencies.sorted()
        let report = SimulationReport(
            command: "serf", parameters: parameters, summary: summary,
            timeline: Timeline(
                columns: ["event", "sent at (s)", "reached", "duplicates", "p50 (s)", "p99 (s)", "max (s)"],
                rows: outcome.events.indices.map { index in
                    let event = outcome.events[index]
                    let distribution = Distribution(event.latencies)
                    return [
                        Double(index), event.sentAt, event.reached, Double(event.duplicates), distribution.p50,
                        distribution.p99, distribution.max,
                    ]
                }),
            plots: [
                Plot(
                    title: "Delivery latency of every event on every member", xLabel: "seconds after sending",
                    yLabel: "share of deliveries",
                    series: [
                        Series(
                            name: "deliveries", x: cdf,
                            y: cdf.indices.map { Double($0 + 1) / Double(max(cdf.count, 1)) })
                    ])
            ])
        var text = [
            "Serf over memberlist, \(nodes) full node cores for \(duration), \(events) events, loss \(loss)"
                + (writes > 0 ? ", \(writes) writes" : "") + (partition.map { ", partition \($0)" } ?? "")
        ]
        if let outcome = outcome.writes, outcome.convergedAfter == nil {
            text.append("the replicas did not converge within the run: try a longer --duration")
        }
        for key in summary.keys.sorted() { text.append(summaryLine(key, summary[key]!)) }
        // Wall time is kept out of the report, so that the same seed gives the same JSON.
        text.append(
            "wall time: \(String(format: "%.1f", wall)) s, "
                + "\(Int(outcome.nodeSeconds / max(wall, 1e-9))) virtual node-seconds per wall second")
        try output.emit(report, text: text)
    }
}
