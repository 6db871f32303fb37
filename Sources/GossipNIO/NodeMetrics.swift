import CoreMetrics
import SWIM
import Synchronization

/// The metrics a node exports (swift-metrics, so any backend; the agent serves them in Prometheus' text format):
/// members by state, the health score, protocol work (probes, indirect probes, suspicions, refutations), traffic
/// and drops by reason. Created once; ``update(protocol:shell:members:healthScore:)`` adds what happened since
/// the last update (``GossipNode/refreshMetrics()`` calls it with the node's figures as a scrape begins).
public final class NodeMetrics: Sendable {
    let membersByState: [SWIM.Status: Gauge]
    let healthScore: Gauge
    let probes: Counter
    let indirectProbes: Counter
    let suspicions: Counter
    let refutations: Counter
    let packetsIn: Counter
    let packetsOut: Counter
    let bytesIn: Counter
    let bytesOut: Counter
    let factory: any MetricsFactory
    let dimensions: [(String, String)]
    let last = LastReading()

    /// Metrics labelled with the node's name, made by `factory`.
    public init(node: String, factory: any MetricsFactory) {
        self.factory = factory
        let dimensions = [("node", node)]
        self.dimensions = dimensions
        membersByState = Dictionary(
            uniqueKeysWithValues: SWIM.Status.allCases.map { status in
                (
                    status,
                    Gauge(label: "gossip_members", dimensions: dimensions + [("state", "\(status)")], factory: factory)
                )
            })
        healthScore = Gauge(label: "gossip_health_score", dimensions: dimensions, factory: factory)
        probes = Counter(label: "gossip_probes_total", dimensions: dimensions, factory: factory)
        indirectProbes = Counter(label: "gossip_indirect_probes_total", dimensions: dimensions, factory: factory)
        suspicions = Counter(label: "gossip_suspicions_total", dimensions: dimensions, factory: factory)
        refutations = Counter(label: "gossip_refutations_total", dimensions: dimensions, factory: factory)
        packetsIn = Counter(label: "gossip_packets_in_total", dimensions: dimensions, factory: factory)
        packetsOut = Counter(label: "gossip_packets_out_total", dimensions: dimensions, factory: factory)
        bytesIn = Counter(label: "gossip_bytes_in_total", dimensions: dimensions, factory: factory)
        bytesOut = Counter(label: "gossip_bytes_out_total", dimensions: dimensions, factory: factory)
    }

    /// Records the node's state now: gauges are set, counters grow by the difference since the last update.
    public func update(
        protocol statistics: SWIM.Statistics, shell: NodeStatistics, members: [SWIM.Member], healthScore score: Int
    ) {
        for (status, gauge) in membersByState {
            gauge.record(members.reduce(0) { $0 + ($1.status == status ? 1 : 0) })
        }
        healthScore.record(score)
        last.withLock { last in
            probes.increment(by: statistics.probes - last.protocol.probes)
            indirectProbes.increment(by: statistics.indirectProbes - last.protocol.indirectProbes)
            suspicions.increment(by: statistics.suspicions - last.protocol.suspicions)
            refutations.increment(by: statistics.refutations - last.protocol.refutations)
            packetsIn.increment(by: shell.packetsIn - last.shell.packetsIn)
            packetsOut.increment(by: shell.packetsOut - last.shell.packetsOut)
            bytesIn.increment(by: shell.bytesIn - last.shell.bytesIn)
            bytesOut.increment(by: shell.bytesOut - last.shell.bytesOut)
            var drops: [String: Int] = [:]
            for (kind, count) in shell.dropsByReason { drops[kind.rawValue] = count }
            for reason in SWIM.DropReason.allCases { drops["\(reason)", default: 0] += statistics.drops(reason) }
            for (reason, count) in drops where count > last.drops[reason, default: 0] {
                Counter(label: "gossip_drops_total", dimensions: dimensions + [("reason", reason)], factory: factory)
                    .increment(by: count - last.drops[reason, default: 0])
            }
            last = Reading(protocol: statistics, shell: shell, drops: drops)
        }
    }

    struct Reading: Sendable {
        var `protocol` = SWIM.Statistics()
        var shell = NodeStatistics()
        var drops: [String: Int] = [:]
    }

    /// The previous reading, behind a lock (updates come from one task, but the type is shared).
    final class LastReading: Sendable {
        private let value = Mutex(Reading())
        func withLock<T>(_ body: (inout Reading) -> T) -> T { value.withLock { body(&$0) } }
    }
}
