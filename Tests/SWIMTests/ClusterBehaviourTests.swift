import GossipCore
import GossipTestKit
import SWIM
import Testing

/// Whole-cluster behaviour of real `SWIM.Instance`s in the test kit's virtual time, LAN preset. Serialized: each
/// test computes for a while on the cooperative pool, which the tests of real sockets share.
@Suite("Cluster behaviour in virtual time", .serialized)
struct ClusterBehaviourTests {
    static let size = 50
    /// LAN, n = 50: suspicion minimum 4 × log10(50) × 1 s = 6.792 s, maximum 6 × that = 40.752 s.
    static let suspicionMinimum = SWIM.Settings.lan.suspicionMinimumTimeout(clusterSize: size)
    static let suspicionMaximum = SWIM.Settings.lan.suspicionMaximumTimeout(clusterSize: size)

    /// A formed 50-node cluster: node 0 starts alone, the others join through it 100 ms apart.
    static func formedCluster(seed: UInt64, loss: Double = 0) -> SimulatedCluster {
        let cluster = SimulatedCluster(
            size: size,
            network: NetworkConditions(latency: .uniform(.microseconds(200), .milliseconds(2)), lossRate: loss),
            seed: seed)
        cluster.startAll(joiningThrough: 0, spacing: .milliseconds(100))
        let formed = cluster.run(until: .zero + .seconds(60)) { $0.runningNodes.count == size && $0.isConverged }
        #expect(formed)
        return cluster
    }

    static func failures(of name: String, in log: [SimulatedCluster.LogEntry]) -> [SimulatedCluster.LogEntry] {
        log.filter { entry in
            if case .failed(let member) = entry.event { member.name == name } else { false }
        }
    }

    @Test("50 nodes joining through one seed all list 50 alive members within 10 s of the last start")
    func joinThroughOneSeed() {
        let cluster = SimulatedCluster(size: Self.size, seed: 1)
        cluster.startAll(joiningThrough: 0, spacing: .milliseconds(100))
        // The last node starts at 4.9 s. Its join (a push-pull with the seed) gives it the full list at once;
        // its own alive then spreads by gossip: 8 transmits × 3 peers per 200 ms tick reach everyone in a few
        // ticks. 10 s after the last start is a bound with ample margin.
        let lastStart = Instant.zero + .milliseconds(4900)
        let converged = cluster.run(until: lastStart + .seconds(10)) {
            $0.runningNodes.count == Self.size && $0.isConverged
        }
        #expect(converged, "converged by \(cluster.now)")
        for index in 0..<Self.size {
            #expect(cluster.instance(index).aliveCount == Self.size)
        }
        #expect(!cluster.log.contains { if case .suspected = $0.event { true } else { false } })
    }

    @Test("a crashed node is marked dead by every other node within memberlist's timing bound")
    func crashDetection() {
        let cluster = Self.formedCluster(seed: 2)
        let crashed = 17
        let name = cluster.name(ofNode: crashed)
        let crashedAt = cluster.now
        cluster.crash(node: crashed)
        // Upper bound: every node probes each member once per round of n = 50 probe intervals, so someone
        // probes the crashed node within 50 s; its probe fails one (health-scaled, here 1 s) interval later;
        // an unconfirmed suspicion lasts at most 40.752 s; the dead notice then spreads in a few gossip ticks
        // (bounded here by 5 s). 50 + 1 + 40.752 + 5 = 96.752 s.
        let bound = Duration.seconds(50 + 1 + 5) + Self.suspicionMaximum
        let others = (0..<Self.size).filter { $0 != crashed }
        let detected = cluster.run(until: crashedAt + bound) { cluster in
            others.allSatisfy { cluster.status(of: crashed, seenBy: $0) == .dead }
        }
        #expect(detected, "not every node marked \(name) dead within \(bound)")
        let failures = Self.failures(of: name, in: cluster.log)
        #expect(Set(failures.map(\.observer)).count == others.count)
        // Lower bound: nobody can declare it dead before a suspicion has run its minimum.
        let earliest = failures.map(\.instant).min()!
        #expect(earliest - crashedAt >= Self.suspicionMinimum, "first death after \(earliest - crashedAt)")
    }

    @Test("with 10% packet loss, 50 healthy nodes run 10 virtual minutes with no node marked dead")
    func lossWithoutFalsePositives() {
        let cluster = Self.formedCluster(seed: 3, loss: 0.10)
        let start = cluster.now
        cluster.run(for: .seconds(600))
        let deaths = cluster.log.filter { if case .failed = $0.event { $0.instant >= start } else { false } }
        #expect(deaths.isEmpty, "false deaths: \(deaths.prefix(3))")
        #expect(cluster.traffic.packetsLost > 0)
        #expect(cluster.isConverged)
    }

    @Test("a node paused past detection is declared dead, refutes on resume and is alive everywhere again")
    func pauseAndRefute() {
        let cluster = Self.formedCluster(seed: 4)
        let paused = 9
        let name = cluster.name(ofNode: paused)
        cluster.pause(node: paused)
        let others = (0..<Self.size).filter { $0 != paused }
        let declared = cluster.run(until: cluster.now + .seconds(120)) { cluster in
            others.allSatisfy { cluster.status(of: paused, seenBy: $0) == .dead }
        }
        #expect(declared)
        cluster.run(for: .seconds(10))
        let resumedAt = cluster.now
        cluster.resume(node: paused)
        let back = cluster.run(until: resumedAt + .seconds(60)) { $0.isConverged }
        #expect(back, "\(name) not alive everywhere within 60 s of resuming")
        #expect(cluster.instance(paused).localMember.incarnation > 1)
        let refutations = cluster.log.filter { entry in
            if case .refuted = entry.event { entry.observer == name && entry.instant >= resumedAt } else { false }
        }
        #expect(!refutations.isEmpty)
    }

    @Test("a graceful leave is seen as left by everyone, never as failed")
    func gracefulLeave() {
        let cluster = Self.formedCluster(seed: 5)
        let leaver = 33
        let name = cluster.name(ofNode: leaver)
        cluster.leave(node: leaver)
        let others = (0..<Self.size).filter { $0 != leaver }
        let seen = cluster.run(until: cluster.now + .seconds(30)) { cluster in
            others.allSatisfy { cluster.status(of: leaver, seenBy: $0) == .left }
        }
        #expect(seen)
        cluster.run(for: .seconds(120))
        #expect(cluster.processState(ofNode: leaver) == .departed, "the leaver stops once its notice is out")
        #expect(Self.failures(of: name, in: cluster.log).isEmpty)
        #expect(
            !cluster.log.contains { entry in
                if case .suspected(let member, _) = entry.event { member.name == name } else { false }
            })
    }

    @Test("a 25/25 partition for 2 minutes: each side fails the other, then all 50 are alive after healing")
    func partitionHeals() {
        let cluster = Self.formedCluster(seed: 6)
        let sideA = Array(0..<25)
        let sideB = Array(25..<50)
        let cutAt = cluster.now
        cluster.partition([sideA, sideB])
        cluster.run(for: .seconds(120))
        let failedPairs = Set(
            cluster.log.compactMap { entry -> String? in
                guard entry.instant >= cutAt, case .failed(let member) = entry.event else { return nil }
                return entry.observer + ">" + member.name
            })
        for (side, other) in [(sideA, sideB), (sideB, sideA)] {
            for observer in side {
                for subject in other {
                    #expect(
                        failedPairs.contains(cluster.name(ofNode: observer) + ">" + cluster.name(ofNode: subject)))
                    #expect(cluster.status(of: subject, seenBy: observer) != .alive)
                }
            }
        }
        let healedAt = cluster.now
        cluster.heal()
        // One reconnect interval (30 s) until some node tries a member of the other side, plus the time the
        // merged state takes to spread (bounded here by 15 s).
        let bound = SWIM.Settings.lan.reconnectInterval + .seconds(15)
        let merged = cluster.run(until: healedAt + bound) { $0.isConverged }
        #expect(merged, "not converged \(bound) after healing")
        #expect((0..<Self.size).allSatisfy { cluster.instance($0).aliveCount == Self.size })
    }

    @Test("the same seed gives the identical event log twice")
    func determinism() {
        func run() -> [SimulatedCluster.LogEntry] {
            let cluster = SimulatedCluster(
                size: 20,
                network: NetworkConditions(latency: .uniform(.microseconds(200), .milliseconds(5)), lossRate: 0.05),
                seed: 77)
            cluster.startAll()
            cluster.run(until: .zero + .seconds(20))
            cluster.crash(node: 3)
            cluster.pause(node: 5)
            cluster.run(for: .seconds(60))
            cluster.resume(node: 5)
            cluster.run(for: .seconds(30))
            return cluster.log
        }
        let first = run()
        #expect(first.count > 100)
        #expect(first == run())
    }

    @Test("a crashed node restarted under the same name rejoins and is alive everywhere")
    func restartRejoins() {
        let cluster = Self.formedCluster(seed: 8)
        cluster.crash(node: 4)
        cluster.run(for: .seconds(100))
        cluster.restart(node: 4, joiningThrough: [0])
        let back = cluster.run(until: cluster.now + .seconds(30)) { $0.isConverged }
        #expect(back)
    }
}
