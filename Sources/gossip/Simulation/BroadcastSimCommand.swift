import ArgumentParser
import Foundation
import GossipSimulator

/// `gossip sim broadcast`: Plumtree, flooding or push gossip on a HyParView, random regular or complete overlay,
/// in continuous virtual time; or Bimodal Multicast (pbcast) in lockstep rounds.
struct BroadcastSimCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "broadcast",
        abstract:
            "Broadcast with Plumtree, flooding, gossip or pbcast; measure reliability, redundancy and repair.",
        discussion: """
            --overlay hyparview is built by joins through random earlier nodes and settled by shuffles; \
            regular:D is a fixed random graph of about D neighbours each (D even) and complete links everyone, \
            neither repaired. Then --fail of the nodes may fail at once, and --broadcasts are sent one a second \
            from random live nodes while --churn of the live nodes are replaced each second (hyparview only). \
            Each link has its own latency (5–50 ms) and loses --loss of the messages once the overlay has settled; \
            a node that sends to a failed one hears of it a round trip later (HyParView replaces it from its \
            passive view). Plumtree prunes duplicates into a tree, flood sends every new payload to all \
            neighbours, gossip to --fanout random ones (random members on the complete overlay). For each \
            broadcast: reliability (share of the correct nodes, joined before it and alive at the end, that \
            deliver), RMR (payload messages / (nodes reached − 1) − 1: 0 for a perfect tree), last delivery hop \
            and latency; and every second after the failures, the overlay's live neighbours and the share of the \
            live nodes in its largest connected part.

            With --protocol pbcast (Bimodal Multicast) there is no overlay: each broadcast is multicast to every \
            member, each copy lost with --loss, then repaired by 10 rounds of digest gossip (fanout 2, 100 ms \
            apart, each message lost with --loss); --fail of the members are crashed. The last delivery "hop" is \
            the gossip round of the last delivery.

            Examples:
              gossip sim broadcast --nodes 10000
              gossip sim broadcast --nodes 10000 --fail 0.5 --broadcasts 10
              gossip sim broadcast --protocol flood --overlay regular:6 --nodes 1000 --format json
              gossip sim broadcast --protocol gossip --overlay complete --nodes 10000 --loss 0.05
              gossip sim broadcast --nodes 2000 --churn 0.01 --loss 0.02
              gossip sim broadcast --protocol pbcast --nodes 1000 --loss 0.2
            """)

    @Option(help: "plumtree, flood, gossip or pbcast.")
    var `protocol`: String = "plumtree"

    @Option(help: "The overlay: hyparview, regular:D (D even) or complete.")
    var overlay: String = "hyparview"

    @Option(help: "gossip: neighbours each node sends a new payload to (default: ⌈ln n⌉ + 1).")
    var fanout: Int?

    @Option(help: "The share of the live nodes replaced each second during the broadcasts (hyparview).")
    var churn: Double = 0

    @Option(help: "Nodes (at least 2).")
    var nodes: Int = 1000

    @Option(help: "Broadcasts, one a second.")
    var broadcasts: Int = 20

    @Option(help: "The share of the nodes that fail at once before the broadcasts (0...0.99).")
    var fail: Double = 0

    @Option(help: "Bytes of each payload (up to 65536).")
    var payload: Int = 64

    @Option(help: "The share of messages lost (default 0; 0.05 with pbcast, its multicast's copies included).")
    var loss: Double?

    @Option(help: "Seconds the overlay settles (shuffles) after the last join.")
    var settle: Int = 60

    @Option(help: "Seed.")
    var seed: UInt64 = 1

    @OptionGroup var output: SimOutputOptions

    func validate() throws {
        guard `protocol` == "pbcast" || BroadcastSimulation.Spreading(rawValue: `protocol`) != nil else {
            throw ValidationError("--protocol must be plumtree, flood, gossip or pbcast")
        }
        guard (0..<1).contains(loss ?? 0) else { throw ValidationError("--loss must lie in [0, 1)") }
        guard BroadcastSimulation.Topology(overlay) != nil else {
            throw ValidationError("--overlay must be hyparview, regular:D (D even, at least 2) or complete")
        }
        guard nodes >= 2 else { throw ValidationError("--nodes must be at least 2") }
        guard broadcasts >= 1 else { throw ValidationError("--broadcasts must be at least 1") }
        guard (0..<0.995).contains(fail) else { throw ValidationError("--fail must lie in [0, 0.99]") }
        guard (1...65_536).contains(payload) else { throw ValidationError("--payload must lie in 1...65536") }
        guard settle >= 0 else { throw ValidationError("--settle must not be negative") }
        guard `protocol` != "pbcast" else { return }
        if let problem = BroadcastSimulation.problem(with: configuration) { throw ValidationError(problem) }
    }

    /// The continuous-time run the options describe.
    var configuration: BroadcastSimulation.Configuration {
        var configuration = BroadcastSimulation.Configuration()
        configuration.nodes = nodes
        configuration.spreading = BroadcastSimulation.Spreading(rawValue: `protocol`) ?? .plumtree
        configuration.topology = BroadcastSimulation.Topology(overlay) ?? .hyparview
        configuration.fanout = fanout
        configuration.loss = loss ?? 0
        configuration.churn = churn
        configuration.broadcasts = broadcasts
        configuration.failureShare = fail
        configuration.payloadBytes = payload
        configuration.settle = .seconds(settle)
        configuration.seed = seed
        return configuration
    }

    func run() throws {
        if `protocol` == "pbcast" { return try runPbcast() }
        let configuration = self.configuration
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
                "fail": String(fail), "loss": String(configuration.loss), "churn": String(churn),
                "fanout": String(configuration.gossipFanout), "payload": String(payload), "settle": String(settle),
                "seed": String(seed),
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
                Plot(
                    title: "The overlay after the failures", xLabel: "seconds after the failures",
                    yLabel: "share of live nodes connected",
                    series: [
                        Series(
                            name: "largest connected part", x: result.recovery.map(\.seconds),
                            y: result.recovery.map(\.connectedShare))
                    ]),
                Plot(
                    title: "Live neighbours per live node", xLabel: "seconds after the failures",
                    yLabel: "mean live neighbours",
                    series: [
                        Series(
                            name: overlay, x: result.recovery.map(\.seconds),
                            y: result.recovery.map(\.meanNeighbors))
                    ]),
            ])
        var text = [
            "\(`protocol`) on \(overlay): \(nodes) nodes, \(result.failed) failed at once, \(broadcasts) broadcasts"
                + (churn > 0 ? ", \(result.churned) replaced by churn" : "")
                + (configuration.loss > 0 ? ", loss \(configuration.loss)" : "")
        ]
        if let first = result.recovery.first, let last = result.recovery.last {
            text.append(
                "overlay: \(formatShare(first.connectedShare)) of the live nodes connected as they fail, "
                    + "\(formatShare(last.connectedShare)) \(Int(last.seconds)) s later")
        }
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
        configuration.loss = loss ?? 0.05
        configuration.multicastReach = 1 - configuration.loss
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
                "loss": String(configuration.loss), "payload": String(payload), "seed": String(seed),
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
                + "loss \(configuration.loss)"
        ]
        for key in summary.keys.sorted() { text.append(summaryLine(key, summary[key]!)) }
        text.append("wall time: \(String(format: "%.1f", wall)) s")
        try output.emit(report, text: text)
    }
}

/// `share` as a percentage with one decimal.
private func formatShare(_ share: Double) -> String { String(format: "%.1f %%", share * 100) }
