import ArgumentParser
import GossipCore
import GossipTestKit
import SWIM

/// `gossip demo`: real nodes on 127.0.0.1 by default, or a simulated 20-node cluster in virtual time, narrated.
struct DemoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Narrate a cluster's life: 5 real nodes on 127.0.0.1, or --simulated 20 nodes in virtual time.",
        discussion: """
            On real sockets: joins, a crash and its detection, a graceful leave, with wall-clock times.
            Simulated (--simulated): joins, a crash, a pause and its refutation, a partition and its healing, a
            leave, with virtual times; the same seed tells the same story.
            """)

    @Flag(help: "Run the cluster in the test kit's virtual time instead of on real sockets.")
    var simulated = false

    @Option(help: "Nodes in the cluster (default 5 on sockets, at least 4; 20 simulated, at least 8).")
    var nodes: Int?

    @Option(help: "Seed for every random choice; the same seed gives the same story.")
    var seed: UInt64 = 1

    @Option(help: "Timing profile: lan, wan or local.")
    var profile: String = "lan"

    @Option(help: "Share of datagrams lost, 0 to 0.5.")
    var loss: Double = 0

    var nodeCount: Int { nodes ?? (simulated ? 20 : 5) }

    func validate() throws {
        if simulated, nodeCount < 8 {
            throw ValidationError("--nodes must be at least 8 (the demo partitions and crashes nodes)")
        }
        if !simulated, !(4...64).contains(nodeCount) {
            throw ValidationError("--nodes must lie between 4 and 64 on real sockets")
        }
        guard SWIM.Settings.preset(named: profile) != nil else {
            throw ValidationError("--profile must be lan, wan or local, not '\(profile)'")
        }
        guard (0...0.5).contains(loss) else { throw ValidationError("--loss must lie between 0 and 0.5") }
    }

    func run() async throws {
        let settings = SWIM.Settings.preset(named: profile)!
        guard simulated else {
            try await SocketDemo(count: nodeCount, settings: settings).tell()
            return
        }
        var story = DemoStory(
            cluster: SimulatedCluster(
                size: nodeCount, settings: settings,
                network: NetworkConditions(latency: .uniform(.microseconds(200), .milliseconds(2)), lossRate: loss),
                seed: seed))
        story.tell()
    }
}

/// The demo's script: each act applies a fault, runs until the cluster agrees on the outcome, and prints what
/// happened with its virtual time.
struct DemoStory {
    let cluster: SimulatedCluster
    let observer = 0

    init(cluster: SimulatedCluster) {
        self.cluster = cluster
        let observerName = cluster.name(ofNode: observer)
        cluster.onEvent = { entry in
            guard entry.observer == observerName else { return }
            switch entry.event {
            case .joined, .leaveCompleted, .updated: return  // joins are summarised, not listed one by one
            default: print("  \(entry.instant)  \(entry.observer) \(entry.event)")
            }
        }
    }

    mutating func tell() {
        let settings = cluster.settings
        let n = cluster.size
        print(
            "swift-gossip demo: \(n) SWIM nodes in virtual time (probe \(settings.probeInterval), gossip \(settings.gossipInterval), suspicion \(settings.suspicionMinimumTimeout(clusterSize: n))...\(settings.suspicionMaximumTimeout(clusterSize: n)))"
        )
        print("Events are shown as \(cluster.name(ofNode: observer)) sees them; milestones are cluster-wide.\n")

        print("1. Joining: node-000 starts alone, the others join through it 100 ms apart.")
        cluster.startAll(joiningThrough: 0, spacing: .milliseconds(100))
        milestone("every node lists \(n) alive members", within: .seconds(60)) {
            $0.isConverged && $0.runningNodes.count == n
        }

        let crashed = n / 3
        act(2, "Crash: \(cluster.name(ofNode: crashed)) is killed (kill -9).") { $0.crash(node: crashed) }
        milestone("every other node marks \(cluster.name(ofNode: crashed)) dead", within: .seconds(120)) { cluster in
            cluster.runningNodes.allSatisfy { cluster.status(of: crashed, seenBy: $0) == .dead || $0 == crashed }
        }

        let paused = n / 2
        act(3, "Pause: \(cluster.name(ofNode: paused)) freezes (SIGSTOP) for 60 s.") { $0.pause(node: paused) }
        milestone("the others mark \(cluster.name(ofNode: paused)) dead", within: .seconds(60)) { cluster in
            cluster.runningNodes.allSatisfy { cluster.status(of: paused, seenBy: $0) == .dead }
        }
        cluster.run(until: cluster.now + .seconds(60) - (cluster.now - pauseStart))
        act(3, "Resume: \(cluster.name(ofNode: paused)) runs again (SIGCONT), learns it was declared dead and refutes.")
        {
            $0.resume(node: paused)
        }
        milestone("\(cluster.name(ofNode: paused)) is alive everywhere again", within: .seconds(120)) { $0.isConverged }

        let running = cluster.runningNodes
        let half = Array(running.prefix(running.count / 2))
        let rest = Array(running.dropFirst(running.count / 2))
        act(4, "Partition: the network splits \(half.count)/\(rest.count) for 2 minutes.") {
            $0.partition([half, rest])
        }
        cluster.run(for: .seconds(120))
        let sideA = half.allSatisfy { a in rest.allSatisfy { cluster.status(of: $0, seenBy: a) != .alive } }
        print(
            "  after 2 minutes each side \(sideA ? "has marked the other side dead" : "still sees part of the other side")"
        )
        act(4, "Heal: the network is whole again; reconnect (every \(settings.reconnectInterval)) rejoins the halves.")
        { $0.heal() }
        milestone("all \(running.count) running nodes list each other alive", within: .seconds(180)) { $0.isConverged }

        let leaver = running.last!
        act(5, "Leave: \(cluster.name(ofNode: leaver)) leaves gracefully.") { $0.leave(node: leaver) }
        milestone("every node lists \(cluster.name(ofNode: leaver)) as left", within: .seconds(30)) { cluster in
            cluster.runningNodes.allSatisfy { cluster.status(of: leaver, seenBy: $0) == .left }
        }

        let traffic = cluster.traffic
        print(
            "\nDone at \(cluster.now) virtual: \(traffic.packetsSent) packets, \(traffic.messagesSent) messages, \(traffic.bytesSent / 1024) KiB, \(traffic.packetsPartitioned) lost to the partition."
        )
    }

    private var pauseStart = Instant.zero

    private mutating func act(_ number: Int, _ text: String, _ fault: (SimulatedCluster) -> Void) {
        print("\n\(number). \(text)  [\(cluster.now)]")
        pauseStart = cluster.now
        fault(cluster)
    }

    private func milestone(_ text: String, within limit: Duration, _ condition: (SimulatedCluster) -> Bool) {
        let start = cluster.now
        if cluster.run(until: start + limit, stoppingWhen: condition) {
            print("  => \(text) at \(cluster.now) (+\(DurationText(cluster.now - start)))")
        } else {
            print("  => NOT reached within \(DurationText(limit)): \(text)")
        }
    }
}

/// A duration as seconds with millisecond precision.
struct DurationText: CustomStringConvertible {
    let duration: Duration
    init(_ duration: Duration) { self.duration = duration }
    var description: String { Instant(nanoseconds: duration.nanoseconds).description }
}
