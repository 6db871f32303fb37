import ArgumentParser
import Foundation
import GossipSimulator

/// `gossip sim broadcast`: Plumtree, or flooding, on a HyParView overlay, in continuous virtual time; or Bimodal
/// Multicast (pbcast) in lockstep rounds.
struct BroadcastSimCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "broadcast",
        abstract:
            "Broadcast with Plumtree or flooding on HyParView, or with pbcast; measure reliability and redundancy.",
        discussion: """
            The overlay is built by joins through random earlier nodes and settled by shuffles; then --fail of the
            nodes may fail at once, and --broadcasts are sent one after another from random live nodes. Each link
            has its own latency; a node that sends to a failed one hears of it a round trip later and replaces it
            from its passive view. For each broadcast: reliability (share of the live nodes that deliver), RMR
            (payload messages / (nodes reached − 1) − 1: 0 for a perfect tree), last delivery hop and latency.

            With --protocol pbcast (Bimodal Multicast) there is no overlay: each broadcast is multicast to every
            member, each copy lost with --loss, then repaired by 10 rounds of digest gossip (fanout 2, 100 ms
            apart, each message lost with --loss); --fail of the members are crashed. The last delivery "hop" is
            the gossip round of the last delivery.

            Examples:
              gossip sim broadcast --nodes 10000
              gossip sim broadcast --nodes 10000 --fail 0.5 --broadcasts 10
              gossip sim broadcast --protocol flood --nodes 1000 --format json
              gossip sim broadcast --protocol pbcast --nodes 1000 --loss 0.2
            """)

    @Option(help: "plumtree, flood or pbcast.")
    var `protocol`: String = "plumtree"

    @Option(help: "The overlay: hyparview (the only one so far).")
    var overlay: String = "hyparview"

    @Option(help: "Nodes (at least 2).")
    var nodes: Int = 1000

    @Option(help: "Broadcasts, one a second.")
    var broadcasts: Int = 20

    @Option(help: "The share of the nodes that fail at once before the broadcasts (0...0.99).")
    var fail: Double = 0

    @Option(help: "Bytes of each payload (up to 65536).")
    var payload: Int = 64

    @Option(help: "pbcast: the share of messages lost (the multicast's copies included).")
    var loss: Double = 0.05

    @Option(help: "Seconds the overlay settles (shuffles) after the last join.")
    var settle: Int = 60

    @Option(help: "Seed.")
    var seed: UInt64 = 1

    @OptionGroup var output: SimOutputOptions

    func validate() throws {
        guard `protocol` == "pbcast" || BroadcastSimulation.Spreading(rawValue: `protocol`) != nil else {
            throw ValidationError("--protocol must be plumtree, flood or pbcast")
        }
        guard (0..<1).contains(loss) else { throw ValidationError("--loss must lie in [0, 1)") }
        guard overlay == "hyparview" else { throw ValidationError("--overlay must be hyparview") }
        guard nodes >= 2 else { throw ValidationError("--nodes must be at least 2") }
        guard broadcasts >= 1 else { throw ValidationError("--broadcasts must be at least 1") }
        guard (0..<0.995).contains(fail) else { throw ValidationError("--fail must lie in [0, 0.99]") }
        guard (1...65_536).contains(payload) else { throw ValidationError("--payload must lie in 1...65536") }
        guard settle >= 0 else { throw ValidationError("--settle must not be negative") }
    }

    func run() throws {
        if `protocol` == "pbcast" { return try runPbcast() }
        var configuration = BroadcastSimulation.Configuration()
        configuration.nodes = nodes
        configuration.spreading = BroadcastSimulation.Spreading(rawValue: `protocol`)!
        configuration.broadcasts = broadcasts
        configuration.failureShare = fail
        configuration.payloadBytes = payload
        configuration.settle = .seconds(settle)
        configuration.seed = seed
        let clock = ContinuousClock()
        let started = clock.now
        let result = BroadcastSimulation(configuration: configuration).run()
        let wall = (clock.now - started).secondsValue
        let outcomes = result.outcomes
        let summary: [String: Distribution] = [
            "reliability": Distribution(outcomes.map(\.reliability)),
            "relative message redundancy": Distribution(outcomes.map(\.redundancy)),
            "last delivery hop": Distribution(outcomes.map { Double($0.lastDeliveryHop) }),
            "latency to last delivery (s)": Distribution(outcomes.map(\.lastDeliverySeconds)),
            "payload bytes per node per broadcast": Distribution(
                outcomes.map { Double($0.payloadMessages * payload) / Double(max(1, $0.liveNodes)) }),
        ]
        let rows = outcomes.enumerated().map { index, outcome in
            [
                Double(index + 1), outcome.reliability, outcome.redundancy, Double(outcome.lastDeliveryHop),
                outcome.lastDeliverySeconds,
            ]
        }
        let report = SimulationReport(
            command: "broadcast",
            parameters: [
                "protocol": `protocol`, "overlay": overlay, "nodes": String(nodes), "broadcasts": String(broadcasts),
                "fail": String(fail), "payload": String(payload), "settle": String(settle), "seed": String(seed),
            ],
            summary: summary,
            timeline: Timeline(
                columns: ["broadcast", "reliability", "RMR", "last delivery hop", "latency (s)"], rows: rows),
            plots: [
                Plot(
                    title: "Reliability of each broadcast", xLabel: "broadcast", yLabel: "share of live nodes",
                    series: [Series(name: `protocol`, x: rows.map { $0[0] }, y: rows.map { $0[1] })]),
                Plot(
                    title: "Relative message redundancy of each broadcast", xLabel: "broadcast", yLabel: "RMR",
                    series: [Series(name: `protocol`, x: rows.map { $0[0] }, y: rows.map { $0[2] })]),
            ])
        var text = [
            "\(`protocol`) on HyParView: \(nodes) nodes, \(result.failed) failed at once, \(broadcasts) broadcasts"
        ]
        for key in summary.keys.sorted() { text.append(summaryLine(key, summary[key]!)) }
        text.append(
            "overlay: mean active view \(String(format: "%.2f", result.meanActiveView)), "
                + "\(result.asymmetricLinks) asymmetric links")
        text.append(
            "wall time: \(String(format: "%.1f", wall)) s, \(result.events) events, "
                + "\(Int(Double(result.events) / max(wall, 1e-9))) events per wall second")
        try output.emit(report, text: text)
    }

    /// Bimodal Multicast, one lockstep run per broadcast.
    func runPbcast() throws {
        var configuration = PbcastSimulation.Configuration()
        configuration.nodes = nodes
        configuration.loss = loss
        configuration.multicastReach = 1 - loss
        configuration.senderCrash = 0
        configuration.memberCrash = fail
        configuration.runs = broadcasts
        configuration.seed = seed
        let clock = ContinuousClock()
        let started = clock.now
        let trials = PbcastSimulation(configuration: configuration).trials()
        let wall = (clock.now - started).secondsValue
        let reliability = trials.map { Double($0.delivered) / Double(max(1, $0.liveReceivers)) }
        let redundancy = trials.map { Double($0.payloadMessages) / Double(max(1, $0.delivered)) - 1 }
        let rounds = trials.map { Double($0.lastDeliveryRound) }
        let summary: [String: Distribution] = [
            "reliability": Distribution(reliability),
            "relative message redundancy": Distribution(redundancy),
            "last delivery round": Distribution(rounds),
            "latency to last delivery (s)": Distribution(rounds.map { $0 * configuration.roundInterval.secondsValue }),
            "payload bytes per node per broadcast": Distribution(
                trials.map { Double($0.payloadMessages * payload) / Double(max(1, $0.liveReceivers + 1)) }),
        ]
        let rows = trials.indices.map { [Double($0 + 1), reliability[$0], redundancy[$0], rounds[$0]] }
        let report = SimulationReport(
            command: "broadcast",
            parameters: [
                "protocol": "pbcast", "nodes": String(nodes), "broadcasts": String(broadcasts), "fail": String(fail),
                "loss": String(loss), "payload": String(payload), "seed": String(seed),
            ],
            summary: summary,
            timeline: Timeline(columns: ["broadcast", "reliability", "RMR", "last delivery round"], rows: rows),
            plots: [
                Plot(
                    title: "Reliability of each broadcast", xLabel: "broadcast", yLabel: "share of live nodes",
                    series: [Series(name: "pbcast", x: rows.map { $0[0] }, y: reliability)])
            ])
        var text = [
            "pbcast: \(nodes) members, \(Int((fail * Double(nodes - 1)).rounded())) crashed, \(broadcasts) broadcasts, "
                + "loss \(loss)"
        ]
        for key in summary.keys.sorted() { text.append(summaryLine(key, summary[key]!)) }
        text.append("wall time: \(String(format: "%.1f", wall)) s")
        try output.emit(report, text: text)
    }
}
