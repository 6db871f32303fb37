import Foundation
import GossipSimulator
import GossipTestKit
import Testing

@Suite("Broadcast over overlays in the simulator")
struct BroadcastSimulationTests {
    static func configuration(_ spreading: BroadcastSimulation.Spreading, failing share: Double = 0)
        -> BroadcastSimulation.Configuration
    {
        var configuration = BroadcastSimulation.Configuration()
        configuration.nodes = 400
        configuration.spreading = spreading
        configuration.failureShare = share
        configuration.broadcasts = 6
        configuration.settle = .seconds(30)
        return configuration
    }

    @Test("Plumtree: the first broadcast floods and prunes, the next ones travel a tree that reaches everyone")
    func stableTree() async {
        let report = await onComputeThread { BroadcastSimulation(configuration: Self.configuration(.plumtree)).run() }
        #expect(report.outcomes.count == 6)
        #expect(report.outcomes.allSatisfy { $0.reliability == 1 })
        #expect(report.outcomes[0].redundancy > 1)
        #expect(report.outcomes.dropFirst(2).allSatisfy { $0.redundancy < 0.1 })
        #expect(report.asymmetricLinks == 0)
    }

    @Test("after half the nodes fail at once, the overlay repairs and later broadcasts reach every survivor")
    func repairAfterMassFailure() async {
        let report = await onComputeThread {
            BroadcastSimulation(configuration: Self.configuration(.plumtree, failing: 0.5)).run()
        }
        #expect(report.failed == 200)
        #expect(report.outcomes.dropFirst(2).allSatisfy { $0.reliability == 1 }, "\(report.outcomes)")
        #expect(report.meanActiveView > 4)
    }

    @Test("flooding a random 6-regular graph costs each node its degree less one: RMR = (n(d̄−2)+2)/(n−1)")
    func floodingRegularGraph() async {
        var configuration = Self.configuration(.flood)
        configuration.topology = .regular(degree: 6)
        let run = configuration
        let report = await onComputeThread { BroadcastSimulation(configuration: run).run() }
        let n = Double(configuration.nodes)
        let theory = (n * (report.meanActiveView - 2) + 2) / (n - 1)
        #expect(report.meanActiveView > 5.9 && report.meanActiveView <= 6)
        #expect(report.outcomes.allSatisfy { $0.reliability == 1 && abs($0.redundancy - theory) < 1e-9 })
    }

    @Test("gossip to random members: every reached node sends its fanout, so RMR ≈ fanout − 1, and nearly all deliver")
    func gossipOnTheCompleteGraph() async {
        var configuration = Self.configuration(.gossip)
        configuration.nodes = 2_000
        configuration.topology = .complete
        let run = configuration
        let report = await onComputeThread { BroadcastSimulation(configuration: run).run() }
        #expect(configuration.gossipFanout == 9)  // ⌈ln 2000⌉ + 1
        for outcome in report.outcomes {
            #expect(outcome.reliability > 0.99)
            #expect(outcome.payloadMessages == outcome.reached * 9)
        }
    }

    @Test("with 5 % of the messages lost, Plumtree's announcements and grafts repair nearly every miss")
    func lossRepairedByGrafts() async {
        var configuration = Self.configuration(.plumtree)
        configuration.loss = 0.05
        var flooding = configuration
        flooding.spreading = .flood
        let (lossy, lossyFlood) = (configuration, flooding)
        let (tree, flood) = await onComputeThread {
            (BroadcastSimulation(configuration: lossy).run(), BroadcastSimulation(configuration: lossyFlood).run())
        }
        // A node misses a broadcast only when its payload and every announcement to it are lost, or a lost overlay
        // message left a link one-sided: rare, not never (the store's anti-entropy repairs its writes).
        let reliability = tree.outcomes.map(\.reliability)
        #expect(reliability.min()! >= 0.99 && reliability.reduce(0, +) / Double(reliability.count) >= 0.995)
        // The grafts that repair losses cost a little over a perfect tree, far less than flooding.
        #expect(tree.outcomes.dropFirst(2).allSatisfy { $0.redundancy < 1 })
        #expect(flood.outcomes.allSatisfy { $0.redundancy > 2 })
    }

    @Test("under churn every correct node delivers, and new nodes take part")
    func churn() async {
        var configuration = Self.configuration(.plumtree)
        configuration.churn = 0.01
        configuration.broadcasts = 10
        let run = configuration
        let report = await onComputeThread { BroadcastSimulation(configuration: run).run() }
        #expect(report.churned >= 30)
        #expect(report.outcomes.dropFirst().allSatisfy { $0.reliability > 0.99 }, "\(report.outcomes)")
        #expect(report.recovery.last?.liveNodes == 400)
    }

    @Test("after 70 % fail at once a fixed graph stays cut into pieces; HyParView reconnects its survivors")
    func overlayRecovery() async {
        var fixed = Self.configuration(.flood, failing: 0.7)
        fixed.topology = .regular(degree: 4)
        let repaired = Self.configuration(.plumtree, failing: 0.7)
        let graph = fixed
        let (cut, healed) = await onComputeThread {
            (BroadcastSimulation(configuration: graph).run(), BroadcastSimulation(configuration: repaired).run())
        }
        #expect(cut.recovery.first!.connectedShare < 0.9)
        #expect(cut.recovery.last!.connectedShare == cut.recovery.first!.connectedShare, "nothing repairs it")
        #expect(cut.outcomes.allSatisfy { $0.reliability < 0.9 })
        #expect(healed.recovery.first!.connectedShare < 1)
        #expect(healed.recovery.last!.connectedShare == 1)
        #expect(healed.recovery.last!.meanNeighbors > 4)
    }

    @Test("the same seed gives the same run")
    func deterministic() async {
        let (first, second) = await onComputeThread {
            (
                BroadcastSimulation(configuration: Self.configuration(.flood, failing: 0.2)).run(),
                BroadcastSimulation(configuration: Self.configuration(.flood, failing: 0.2)).run()
            )
        }
        #expect(first.outcomes == second.outcomes)
        #expect(first.events == second.events)
    }
}

/// Bimodal Multicast in lockstep rounds against its Markov chain.
@Suite("Bimodal Multicast against its analysis")
struct PbcastSimulationTests {
    @Test("the chain is a distribution; with a reliable multicast everyone delivers; without one, the sender alone")
    func chainEdges() {
        var configuration = PbcastSimulation.Configuration()
        let theory = PbcastSimulation.theory(configuration)
        #expect(abs(theory.reduce(0, +) - 1) < 1e-9)
        configuration.multicastReach = 1
        #expect(PbcastSimulation.theory(configuration).last! > 0.999_999)
        configuration.multicastReach = 0
        configuration.senderCrash = 1
        configuration.runs = 200
        #expect(PbcastSimulation.theory(configuration)[0] == 1)
        #expect(PbcastSimulation(configuration: configuration).run()[0] == 200, "nobody ever hears of it")
    }

    @Test("one digest infects at most one member: the exact chain stalls less often than the binomial one")
    func occupancyAgainstBinomial() {
        var configuration = PbcastSimulation.Configuration()
        configuration.fanout = 1
        configuration.multicastReach = 0
        configuration.senderCrash = 0
        configuration.rounds = 1
        // One holder, one digest: at most one new member, with chance (1 − loss)³ · 49/49.
        let exact = PbcastSimulation.theory(configuration)
        #expect(abs(exact[1] - pow(0.95, 3)) < 1e-12)
        #expect(exact[2...].allSatisfy { $0 == 0 })
        let binomial = PbcastSimulation.theory(configuration, independent: true)
        #expect(binomial[2] > 0)
        #expect(binomial[0] > exact[0])
    }

    @Test("with a third of the members crashed and a fifth of the messages lost, every live member still delivers")
    func crashesAndLoss() {
        var configuration = PbcastSimulation.Configuration()
        configuration.nodes = 300
        configuration.loss = 0.2
        configuration.multicastReach = 0.8
        configuration.senderCrash = 0
        configuration.memberCrash = 1.0 / 3
        configuration.runs = 5
        let trials = PbcastSimulation(configuration: configuration).trials()
        #expect(trials.allSatisfy { $0.liveReceivers == 299 - 100 })
        #expect(trials.allSatisfy { $0.delivered == $0.liveReceivers })
        // The multicast's 299 copies, plus the retransmissions that repaired its losses.
        #expect(trials.allSatisfy { $0.payloadMessages > 299 && $0.lastDeliveryRound >= 1 })
    }
}
