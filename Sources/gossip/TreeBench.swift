import ArgumentParser
import Foundation
import GossipCore
import GossipTestKit
import MemberlistWire
import NodeCore
import SWIM
import Serf

/// `gossip bench tree`: what one user event costs in event bytes sent, Serf's way (memberlist's piggybacked
/// retransmissions) against the broadcast tree (`gossip agent --broadcast plumtree`), on the node cores the
/// agent runs, in the simulator's virtual time (so that every byte is counted exactly).
struct TreeBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tree",
        abstract: "Compare the bytes one user event costs Serf's way and on the broadcast tree.")

    @Option(help: "Nodes in the cluster.")
    var nodes: Int = 20

    @Option(help: "Events sent on the tree before the measured one, so that its tree has settled.")
    var warmup: Int = 5

    @Option(help: "Seed.")
    var seed: UInt64 = 1

    func validate() throws {
        guard nodes >= 2 else { throw ValidationError("--nodes must be at least 2") }
        guard warmup >= 0 else { throw ValidationError("--warmup must not be negative") }
    }

    /// One measured event: its encoded size, the bytes of event messages sent for it, and how many nodes
    /// delivered it.
    struct Measurement {
        var way: String
        var eventBytes: Int
        var bytesSent: Int
        var allTreeBytes: Int?
        var delivered: Int
    }

    func run() throws {
        let network = NetworkConditions(latency: .uniform(.microseconds(200), .milliseconds(2)))
        var rows: [Measurement] = []

        // Serf's way: every datagram's `user` messages that carry the event are counted.
        let serfWay = SimulatedCluster(size: nodes, network: network, seed: seed, serf: Serf.Configuration())
        serfWay.recordsLog = false
        var serfBytes = 0
        serfWay.onDatagram = { _, _, messages in
            for case .user(let payload) in messages {
                if case .userEvent(let event)? = try? SerfMessage(decoding: payload), event.name == "measured" {
                    serfBytes += payload.count
                }
            }
        }
        var serfDelivered = 0
        serfWay.onDelivery = { if $0.event.name == "measured" { serfDelivered += 1 } }
        serfWay.startAll(joiningThrough: 0, spacing: .milliseconds(100))
        serfWay.run(for: .seconds(15))
        let small = Array(repeating: UInt8(7), count: Serf.userEventSizeLimit - "measured".utf8.count)
        try serfWay.sendUserEvent(node: 1, name: "measured", payload: small)
        serfWay.run(for: .seconds(15))
        rows.append(
            Measurement(
                way: "serf",
                eventBytes: SerfMessage.userEvent(
                    .init(lamportTime: 1, name: "measured", payload: small, coalesce: false)
                )
                .encode().count, bytesSent: serfBytes, allTreeBytes: nil,
                delivered: serfDelivered))

        for size in [small.count, 65_536 - "measured".utf8.count] {
            let tree = SimulatedCluster(
                size: nodes, network: network, seed: seed, serf: Serf.Configuration(),
                broadcastTree: { _ in NodeCore.TreeConfiguration() })
            tree.recordsLog = false
            var delivered = 0
            tree.onDelivery = { if $0.event.name == "measured" { delivered += 1 } }
            tree.startAll(joiningThrough: 0, spacing: .milliseconds(100))
            tree.run(for: .seconds(15))
            for number in 0..<warmup {
                try tree.sendUserEvent(node: number % nodes, name: "warmup-\(number)", payload: [UInt8(number)])
                tree.run(for: .seconds(2))
            }
            func totals() -> (payload: Int, all: Int) {
                (0..<nodes).reduce((0, 0)) {
                    let statistics = tree.core($1).treeStatistics
                    return ($0.0 + statistics.payloadBytesSent, $0.1 + statistics.bytesSent)
                }
            }
            let before = totals()
            let payload = Array(repeating: UInt8(7), count: size)
            try tree.sendUserEvent(node: 1, name: "measured", payload: payload)
            tree.run(for: .seconds(15))
            let after = totals()
            rows.append(
                Measurement(
                    way: "plumtree",
                    eventBytes: SerfMessage.userEvent(
                        .init(lamportTime: 1, name: "measured", payload: payload, coalesce: false)
                    )
                    .encode().count,
                    bytesSent: after.payload - before.payload, allTreeBytes: after.all - before.all,
                    delivered: delivered))
        }

        print("\(nodes) nodes, one user event each way (the tree after \(warmup) warm-up events):")
        print(
            "| way | event (bytes) | event bytes sent | copies per other node | all tree bytes in the 15 s | deliveries |"
        )
        print("|---|---|---|---|---|---|")
        for row in rows {
            let copies = Double(row.bytesSent) / Double(row.eventBytes) / Double(nodes - 1)
            print(
                "| \(row.way) | \(row.eventBytes) | \(row.bytesSent) | \(format3(copies)) | \(row.allTreeBytes.map(String.init) ?? "–") | \(row.delivered)/\(nodes) |"
            )
        }
    }
}
