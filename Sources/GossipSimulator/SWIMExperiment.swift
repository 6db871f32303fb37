import GossipCore
import GossipTestKit
import SWIM

/// The cluster engine: real `SWIM.Instance`s on the test kit's virtual network, with crashes, slow and paused
/// members, loss and a partition, measured the way an operator would ask: how soon is a crash seen, by whom
/// first and by everyone last, how many healthy members were wrongly suspected or declared dead, and how long the
/// cluster takes to agree again after a partition heals.
public struct SWIMExperiment: Sendable {
    /// What to run.
    public struct Configuration: Sendable {
        /// Members.
        public var nodes: Int
        /// How the cluster comes together before the measured time starts.
        public var formation: Formation = .preformed
        /// The protocol settings every member runs (memberlist's LAN profile by default).
        public var settings: SWIM.Settings = .lan
        /// Latency, uniform and bursty loss.
        public var network = NetworkConditions()
        /// Virtual time to run after the cluster has formed.
        public var duration: Duration = .seconds(600)
        /// Members crashed (the highest-numbered ones), and when, counted from the end of formation.
        public var crashes: Int = 0
        /// When the crashes happen after formation.
        public var crashAfter: Duration = .seconds(30)
        /// Members that are slow: every datagram to or from them is delayed by ``slowDelay``.
        public var slowMembers: Int = 0
        /// The extra delay of a slow member's datagrams.
        public var slowDelay: Duration = .milliseconds(400)
        /// Members that stall periodically (paused, like a long garbage collection or an overloaded host).
        public var stallingMembers: Int = 0
        /// How long a stall lasts.
        public var stallLength: Duration = .seconds(3)
        /// Time between the starts of two stalls of one member.
        public var stallPeriod: Duration = .seconds(20)
        /// A partition of the cluster into two halves: when it starts (after formation) and how long it lasts.
        public var partition: (start: Duration, length: Duration)?

        /// A configuration of `nodes` members with the defaults above.
        public init(nodes: Int) {
            self.nodes = nodes
        }
    }

    /// How a cluster forms.
    public enum Formation: String, Sendable, Hashable, Codable, CaseIterable {
        /// Every member starts knowing every other as alive (`GossipTestKit.SimulatedCluster.startAllFormed()`):
        /// the measured time is steady state from its first second.
        case preformed = "formed"
        /// Members start 10 ms apart and join through member 0, as memberlist's joins do; the measured time
        /// starts once every member lists every other as alive.
        case joins
    }

    /// What one run measured. Times are seconds.
    public struct Outcome: Sendable, Hashable, Codable {
        /// Virtual seconds until every member listed every other as alive.
        public var formationSeconds: Double
        /// For each crash: seconds until the first member suspected it.
        public var firstSuspicion: [Double]
        /// For each crash: seconds until the first member declared it dead.
        public var firstDetection: [Double]
        /// For each crash: seconds until the last live member declared it dead (nil if some never did).
        public var lastDetection: [Double?]
        /// For each crash: protocol periods (probes of the member that found it first) until a member first
        /// probed it.
        public var firstProbePeriods: [Double]
        /// Suspicions of healthy members: neither crashed, slow nor stalling (each observer counted).
        public var falseSuspicions: Int
        /// Dead declarations about healthy members (each observer counted).
        public var falseDeaths: Int
        /// Suspicions and dead declarations across the partition while it lasted (each observer counted): the
        /// expected effect of a split, not false positives.
        public var partitionVerdicts: Int
        /// Suspicions of slow or stalling members, which are alive but degraded (each observer counted).
        public var degradedSuspicions: Int
        /// Dead declarations about slow or stalling members (each observer counted).
        public var degradedDeaths: Int
        /// Probes started, by all members.
        public var probes: Int
        /// Probes that ended in a suspicion.
        public var failedProbes: Int
        /// Seconds from the partition's healing until every running member saw every running member alive.
        public var partitionConvergenceSeconds: Double?
        /// Datagrams sent.
        public var packets: Int
        /// Bytes sent.
        public var bytes: Int
        /// Membership size seen by member 0 at every virtual second (for plots).
        public var aliveSeenByFirst: [Int]
    }

    /// The configuration.
    public let configuration: Configuration

    /// An experiment.
    public init(_ configuration: Configuration) {
        precondition(configuration.nodes >= 2, "a cluster needs at least two members")
        self.configuration = configuration
    }

    /// Runs the experiment once from `seed`.
    public func run(seed: UInt64) -> Outcome {
        let config = configuration
        let n = config.nodes
        let cluster = SimulatedCluster(size: n, settings: config.settings, network: config.network, seed: seed)
        cluster.recordsLog = false
        switch config.formation {
        case .preformed:
            cluster.startAllFormed()
        case .joins:
            cluster.startAll(joiningThrough: 0, spacing: .milliseconds(10))
            _ = cluster.run(until: cluster.now + .seconds(600)) { $0.isConverged && $0.runningNodes.count == n }
        }
        let formed = cluster.now
        for index in 0..<min(config.slowMembers, n) { cluster.slowNodes[1 + index] = config.slowDelay }

        let crashed = Set(max(1, n - config.crashes)..<n)
        let stalling = Array((1 + config.slowMembers)..<min(n, 1 + config.slowMembers + config.stallingMembers))
        let names = (0..<n).map { cluster.name(ofNode: $0) }
        let crashNames = Dictionary(uniqueKeysWithValues: crashed.map { (names[$0], $0) })
        let crashInstant = formed + config.crashAfter
        var firstSuspicion: [Int: Instant] = [:]
        var deathsSeen: [Int: [Instant]] = [:]
        var falseSuspicions = 0
        var falseDeaths = 0
        var degradedSuspicions = 0
        var degradedDeaths = 0
        var partitionVerdicts = 0
        var partitioned = false
        let degraded = Set((0..<n).filter { cluster.slowNodes[$0] != nil } + stalling).map { names[$0] }
        var probesSinceCrash = [Int](repeating: 0, count: n)
        var firstProbe: [Int: Int] = [:]
        cluster.onEvent = { entry in
            switch entry.event {
            case .suspected where partitioned, .failed where partitioned:
                partitionVerdicts += 1
            case .suspected(let member, _):
                if let index = crashNames[member.name], entry.instant >= crashInstant {
                    if firstSuspicion[index] == nil { firstSuspicion[index] = entry.instant }
                } else if degraded.contains(member.name) {
                    degradedSuspicions += 1
                } else {
                    falseSuspicions += 1
                }
            case .failed(let member):
                if let index = crashNames[member.name], entry.instant >= crashInstant {
                    deathsSeen[index, default: []].append(entry.instant)
                } else if degraded.contains(member.name) {
                    degradedDeaths += 1
                } else {
                    falseDeaths += 1
                }
            default:
                break
            }
        }
        cluster.onDatagram = { sender, _, messages in
            guard cluster.now >= crashInstant, !crashed.contains(sender) else { return }
            for message in messages {
                guard case .ping(let ping) = message else { continue }
                probesSinceCrash[sender] += 1
                if let index = crashNames[ping.target], firstProbe[index] == nil {
                    firstProbe[index] = probesSinceCrash[sender]
                }
            }
        }

        var alive: [Int] = []
        var partitionConvergence: Double?
        let end = formed + config.duration
        var crashedYet = false
        var healedAt: Instant?
        let step: Duration = .milliseconds(100)
        var nextSample = formed
        while cluster.now < end {
            let now = cluster.now
            if !crashedYet && now >= crashInstant {
                crashedYet = true
                for index in crashed { cluster.crash(node: index) }
            }
            if let partition = config.partition {
                let start = formed + partition.start
                if !partitioned && healedAt == nil && now >= start {
                    partitioned = true
                    cluster.partition([Array(0..<(n / 2)), Array((n / 2)..<n)])
                } else if partitioned && healedAt == nil && now >= start + partition.length {
                    cluster.heal()
                    healedAt = now
                }
            }
            if config.stallingMembers > 0 {
                let phase = (now - formed).nanoseconds % config.stallPeriod.nanoseconds
                for (offset, index) in stalling.enumerated() {
                    let shifted =
                        (phase + Int64(offset) * config.stallPeriod.nanoseconds / Int64(max(1, stalling.count)))
                        % config.stallPeriod.nanoseconds
                    if shifted < config.stallLength.nanoseconds {
                        cluster.pause(node: index)
                    } else {
                        cluster.resume(node: index)
                    }
                }
            }
            if let healed = healedAt, partitionConvergence == nil, cluster.isConverged {
                // Verdicts across the split count as its effect until the cluster agrees again.
                partitioned = false
                partitionConvergence = (now - healed).secondsValue
            }
            if now >= nextSample {
                alive.append(cluster.instance(0).aliveCount)
                nextSample = nextSample + .seconds(1)
            }
            cluster.run(until: min(end, now + step))
        }
        for index in stalling { cluster.resume(node: index) }

        var probes = 0
        var failedProbes = 0
        for index in 0..<n where !crashed.contains(index) {
            probes += cluster.instance(index).statistics.probes
            failedProbes += cluster.instance(index).statistics.failedProbes
        }
        let live = n - crashed.count
        let order = crashed.sorted()
        return Outcome(
            formationSeconds: formed.seconds,
            firstSuspicion: order.compactMap { firstSuspicion[$0].map { ($0 - crashInstant).secondsValue } },
            firstDetection: order.compactMap { deathsSeen[$0]?.min().map { ($0 - crashInstant).secondsValue } },
            lastDetection: order.map { index in
                guard let seen = deathsSeen[index], seen.count >= live else { return nil }
                return (seen.max()! - crashInstant).secondsValue
            },
            firstProbePeriods: order.compactMap { firstProbe[$0].map(Double.init) },
            falseSuspicions: falseSuspicions, falseDeaths: falseDeaths, partitionVerdicts: partitionVerdicts,
            degradedSuspicions: degradedSuspicions, degradedDeaths: degradedDeaths, probes: probes,
            failedProbes: failedProbes,
            partitionConvergenceSeconds: partitionConvergence, packets: cluster.traffic.packetsSent,
            bytes: cluster.traffic.bytesSent, aliveSeenByFirst: alive)
    }
}
