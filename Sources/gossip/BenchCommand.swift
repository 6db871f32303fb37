import ArgumentParser
import GossipCore
import GossipTestKit
import SWIM

/// `gossip bench`: performance measurements that are not tests.
struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Measure how fast the project's engines run.",
        subcommands: [SWIMClusterBench.self],
        defaultSubcommand: SWIMClusterBench.self)
}

/// `gossip bench swim`: virtual node-seconds per wall-clock second of the test kit running real SWIM instances.
struct SWIMClusterBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "swim",
        abstract: "Form a SWIM cluster in the test kit, then run it in steady state, and report the speed.")

    @Option(help: "Nodes in the cluster.")
    var nodes: Int = 1000

    @Option(help: "Virtual seconds to run after the cluster has formed.")
    var seconds: Int = 60

    @Option(help: "Seed.")
    var seed: UInt64 = 1

    @Option(help: "Share of datagrams lost.")
    var loss: Double = 0

    func validate() throws {
        guard nodes >= 2 else { throw ValidationError("--nodes must be at least 2") }
        guard seconds > 0 else { throw ValidationError("--seconds must be positive") }
        guard (0..<1).contains(loss) else { throw ValidationError("--loss must lie in [0, 1)") }
    }

    func run() throws {
        let cluster = SimulatedCluster(
            size: nodes,
            network: NetworkConditions(latency: .uniform(.microseconds(200), .milliseconds(2)), lossRate: loss),
            seed: seed)
        cluster.recordsLog = false
        let clock = ContinuousClock()

        let formStart = clock.now
        cluster.startAll(joiningThrough: 0, spacing: .milliseconds(10))
        let formed = cluster.run(until: cluster.now + .seconds(600)) {
            $0.isConverged && $0.runningNodes.count == nodes
        }
        let formWall = clock.now - formStart
        let formVirtual = cluster.now
        print(
            "formation: \(nodes) nodes \(formed ? "converged" : "NOT converged") at \(formVirtual) virtual in \(format(formWall)) wall"
        )

        let before = cluster.traffic
        let steadyStart = clock.now
        cluster.run(for: .seconds(seconds))
        let steadyWall = clock.now - steadyStart
        let packets = cluster.traffic.packetsSent - before.packetsSent
        let nodeSeconds = Double(nodes * seconds)
        print("steady state: \(seconds) virtual s in \(format(steadyWall)) wall, \(packets) packets")
        print(
            "  \(Int(nodeSeconds / steadyWall.secondsValue)) virtual node-seconds per wall second; \(String(format3(Double(seconds) / steadyWall.secondsValue)))x real time"
        )
        print("  converged at the end: \(cluster.isConverged)")
    }

    private func format(_ duration: Duration) -> String { "\(format3(duration.secondsValue)) s" }
}

func format3(_ value: Double) -> String {
    let scaled = (value * 1000).rounded() / 1000
    return String(scaled)
}
