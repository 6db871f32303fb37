import GossipCore
import GossipSimulator
import GossipTestKit
import SWIM

/// Scenario 9: a railway booking cluster's servers join, leave and fail, with memberlist's SWIM.
///
/// Servers start 100 ms apart and join through the first; every membership event every server reports is logged.
/// Then one server leaves gracefully before maintenance and another crashes. The scenario measures when each join
/// was visible everywhere, that the leave is seen as a leave (never a failure) and the crash as a failure, and
/// that every server's member list agrees at the end.
public enum BookingMembership: Scenario {
    /// The command-line name.
    public static let slug = "booking-membership"
    /// The setting in a line.
    public static let setting = "a railway booking cluster's servers join, leave and fail"
    /// What the scenario shows.
    public static let shows = "SWIM membership, node discovery, graceful leave"

    /// Nodes by mode when `--nodes` is not given.
    public static func defaultNodes(_ mode: ScenarioOptions.Mode) -> Int {
        switch mode {
        case .normal: return 64
        case .test: return 24
        case .benchmark: return 500
        }
    }

    /// Runs the scenario: its engines, story, summary, figures and invariants.
    public static func run(_ options: ScenarioOptions) -> ScenarioResult {
        let n = options.nodeCount(for: Self.self)
        var network = NetworkConditions()
        if options.simulateFailures { network.lossRate = 0.05 }
        let cluster = SimulatedCluster(size: n, network: network, seed: options.seed)
        cluster.recordsLog = false
        var joinSeenBy: [String: Int] = [:]
        var joinComplete: [String: Double] = [:]
        var startedAt: [String: Double] = [:]
        var leftSeen = 0
        var leaveSeenAsFailure = 0
        var crashSeen = 0
        var leaveDone: Double?
        var crashDone: Double?
        let leaver = n / 3
        let crasher = 2 * n / 3
        let leaverName = cluster.name(ofNode: leaver)
        let crasherName = cluster.name(ofNode: crasher)
        var leaveAt = Instant.zero
        var crashAt = Instant.zero
        cluster.onEvent = { entry in
            switch entry.event {
            case .joined(let member):
                joinSeenBy[member.name, default: 0] += 1
                if joinSeenBy[member.name] == n - 1 { joinComplete[member.name] = entry.instant.seconds }
            case .left(let member) where member.name == leaverName:
                leftSeen += 1
                if leftSeen == n - 1 { leaveDone = (entry.instant - leaveAt).secondsValue }
            case .failed(let member) where member.name == leaverName:
                leaveSeenAsFailure += 1
            case .failed(let member) where member.name == crasherName:
                crashSeen += 1
                if crashSeen == n - 2 { crashDone = (entry.instant - crashAt).secondsValue }
            default:
                break
            }
        }
        for index in 0..<n { startedAt[cluster.name(ofNode: index)] = Double(index) * 0.1 }
        let wallSeconds = ScenarioSupport.timed {
            cluster.startAll(joiningThrough: 0, spacing: .milliseconds(100))
            _ = cluster.run(until: cluster.now + .seconds(300)) { $0.isConverged && $0.runningNodes.count == n }
            cluster.run(for: .seconds(10))
            leaveAt = cluster.now
            cluster.leave(node: leaver)
            cluster.run(for: .seconds(20))
            crashAt = cluster.now
            cluster.crash(node: crasher)
            cluster.run(for: .seconds(90))
        }
        let joinDelays = joinComplete.map { $0.value - (startedAt[$0.key] ?? 0) }
        let running = cluster.runningNodes
        let agreement = running.allSatisfy { observer in
            running.allSatisfy { cluster.status(of: $0, seenBy: observer) == .alive }
                && [leaver, crasher].allSatisfy { gone in
                    let status = cluster.status(of: gone, seenBy: observer)
                    return status == nil || status == .left || status == .dead
                }
        }
        let distribution = Distribution(joinDelays)
        let story = [
            "\(n) booking servers for the Tatkal window come up 100 ms apart, each joining through \(cluster.name(ofNode: 0)).",
            "Each new server is listed by every other within \(ScenarioSupport.short(distribution.p50)) s (median; at most \(ScenarioSupport.short(distribution.max)) s).",
            "\(leaverName) leaves gracefully for maintenance: all \(n - 1) others list it as left after \(leaveDone.map { ScenarioSupport.short($0) + " s" } ?? "—"), and none ever calls it failed (\(leaveSeenAsFailure) did).",
            "\(crasherName) crashes: all others declare it failed after \(crashDone.map { ScenarioSupport.short($0) + " s" } ?? "—").",
            "At the end every running server's member list agrees: \(agreement ? "yes" : "no").",
        ]
        let summary = ScenarioSummary(
            nodes: n, totalMessages: cluster.traffic.messagesSent, convergenceSeconds: distribution.max,
            convergenceRounds: distribution.max, coveragePercent: 100 * Double(joinComplete.count) / Double(n),
            messageEfficiencyPercent: 100 * Double(cluster.traffic.packetsSent - cluster.traffic.packetsLost)
                / Double(max(cluster.traffic.packetsSent, 1)))
        let figures = [
            ScenarioFigure("join visible everywhere, median", distribution.p50, unit: "s"),
            ScenarioFigure("join visible everywhere, max", distribution.max, unit: "s"),
            ScenarioFigure("leave seen by all", leaveDone ?? .nan, unit: "s"),
            ScenarioFigure("leave mistaken for a failure", Double(leaveSeenAsFailure), unit: "servers"),
            ScenarioFigure("crash seen by all", crashDone ?? .nan, unit: "s"),
        ]
        let invariants = [
            ScenarioInvariant("every server's join is seen by every other", joinComplete.count == n),
            ScenarioInvariant(
                "the leave is seen as a leave by all, never as a failure", leaveDone != nil && leaveSeenAsFailure == 0),
            ScenarioInvariant("the crash is seen as a failure by all", crashDone != nil),
            ScenarioInvariant("member lists agree at the end", agreement),
        ]
        let sorted = joinDelays.sorted()
        var result = ScenarioResult(
            scenario: slug, setting: setting, options: options, story: story, summary: summary, figures: figures,
            invariants: invariants,
            timeline: Timeline(
                columns: ["server (sorted by delay)", "seconds until its join was seen by all"],
                rows: sorted.enumerated().map { [Double($0.offset), $0.element] }),
            plots: [
                Plot(
                    title: "Time until each join was seen by every server", xLabel: "server (sorted)",
                    yLabel: "seconds",
                    series: [Series(name: "join visible everywhere", x: sorted.indices.map(Double.init), y: sorted)])
            ])
        result.benchmark = ScenarioSupport.benchmark(
            options, seconds: wallSeconds, messages: cluster.traffic.messagesSent)
        return result
    }
}
