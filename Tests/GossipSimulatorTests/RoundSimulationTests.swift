import Dissemination
import Foundation
import GossipCore
import GossipSimulator
import Testing

@Suite("The round engine: variants, topologies, caps and loss")
struct RoundSimulationTests {
    @Test(
        "anti-entropy informs every node of a connected graph",
        arguments: [
            Topology.complete, .randomRegular(degree: 6), .partialView(viewSize: 5), .geometric(neighbours: 8),
            .zones(count: 8, crossZoneProbability: 0.05),
        ])
    func antiEntropyCovers(topology: Topology) {
        var config = RoundSimulation.Configuration(nodes: 2_000, mode: .pushPull, forwarding: .forever)
        config.topology = topology
        let outcome = RoundSimulation(config, graphSeed: 4).run(seed: 4)
        #expect(outcome.residue == 0)
        #expect(outcome.roundsToFullCoverage != nil)
        #expect(outcome.timeline.last?.susceptible == 0)
    }

    @Test("geometric graphs spread as a wavefront: slower than the complete graph")
    func geometricIsSlower() {
        func rounds(_ topology: Topology) -> Int {
            var config = RoundSimulation.Configuration(nodes: 4_000, mode: .push, forwarding: .forever)
            config.topology = topology
            return RoundSimulation(config, graphSeed: 1).run(seed: 1).roundsToFullCoverage ?? .max
        }
        #expect(rounds(.geometric(neighbours: 6)) > 2 * rounds(.complete))
    }

    @Test("random regular graphs give every node its degree, nearly always")
    func regularDegrees() {
        let graph = PeerGraph(.randomRegular(degree: 8), nodeCount: 1_000, seed: 2)
        let degrees = (0..<1_000).map { graph.degree(of: $0) }
        #expect(degrees.max() == 8)
        #expect(degrees.filter { $0 == 8 }.count >= 990)
    }

    @Test(
        "infect-and-die with ln n + 2 fanout reaches nearly everyone; forwarding probability below the threshold dies out"
    )
    func percolation() {
        var config = RoundSimulation.Configuration(nodes: 5_000, mode: .push, forwarding: .infectAndDie)
        config.fanout = .logarithmic(c: 2)
        let wide = RoundSimulation(config).run(seed: 2)
        #expect(wide.residue < 0.01)
        #expect(wide.rounds >= 3)
        // Fanout 4 and p = 0.1: 0.4 expected forwarders per informed node, far below 1.
        config.fanout = .fixed(4)
        config.forwardProbability = 0.1
        let engine = RoundSimulation(config)
        let coverage = (0..<20).map { engine.run(seed: UInt64($0)).coverage }
        #expect(coverage.allSatisfy { $0 < 0.05 })
    }

    @Test("a bandwidth cap of zero stops every push; a byte cap limits the fanout")
    func caps() {
        var config = RoundSimulation.Configuration(nodes: 500, mode: .push, forwarding: .forever)
        config.bandwidth = Dissemination.BandwidthCap(messagesPerRound: 0)
        config.maxRounds = 50
        let stalled = RoundSimulation(config).run(seed: 1)
        #expect(stalled.messages == 0)
        #expect(stalled.timeline.last?.susceptible == 499)
        config.fanout = .fixed(8)
        config.messageSize = 100
        config.bandwidth = Dissemination.BandwidthCap(bytesPerRound: 250)
        let capped = RoundSimulation(config).run(seed: 1)
        let informedRounds = capped.timeline.dropLast().reduce(0) { $0 + $1.infective }
        #expect(capped.messages == 2 * informedRounds)
    }

    @Test("loss is counted and slows the spread but anti-entropy still completes")
    func loss() {
        var config = RoundSimulation.Configuration(nodes: 2_000, mode: .push, forwarding: .forever)
        let clean = RoundSimulation(config).run(seed: 5)
        config.lossRate = 0.5
        let lossy = RoundSimulation(config).run(seed: 5)
        #expect(lossy.lost > 0)
        #expect(lossy.residue == 0)
        #expect(lossy.roundsToFullCoverage! > clean.roundsToFullCoverage!)
    }

    @Test("message efficiency and duplicates add up: useful deliveries inform exactly the informed nodes")
    func efficiency() {
        let config = RoundSimulation.Configuration(
            nodes: 1_000, mode: .push, forwarding: .rumor(.init(feedback: .feedback, lossOfInterest: .counter, k: 2)))
        let outcome = RoundSimulation(config).run(seed: 8)
        let informed = 1_000 - outcome.timeline.last!.susceptible
        #expect(outcome.messages - outcome.lost - outcome.duplicates == informed - 1)
        #expect(outcome.efficiency > 0 && outcome.efficiency < 1)
    }

    @Test("push-sum reaches relative error 1e-6 within 2 (log2 n + log2 1/ε) rounds on every node")
    func pushSum() {
        let n = 2_000
        let engine = PushSumSimulation(nodes: n)
        var rng = SeededRandom(seed: 1)
        let values = (0..<n).map { _ in rng.nextUnitDouble() * 100 }
        let outcome = engine.run(values: values, rounds: 80, targetError: 1e-6, seed: 1)
        let bound = 2 * (log2(Double(n)) + log2(1e6))
        #expect(outcome.roundsToTarget != nil)
        #expect(Double(outcome.roundsToTarget ?? .max) <= bound)
        #expect(outcome.maximumRelativeError.last! < 1e-9)
    }
}
