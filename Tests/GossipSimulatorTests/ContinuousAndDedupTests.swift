import Dissemination
import GossipCore
import GossipSimulator
import GossipTestKit
import Testing

@Suite("Continuous time and Bloom-filter duplicate suppression")
struct ContinuousAndDedupTests {
    @Test("anti-entropy in continuous time informs everyone; latency slows it down; a seed replays a run")
    func continuousCoverage() throws {
        var config = ContinuousSimulation.Configuration(nodes: 5_000, mode: .pushPull, forwarding: .forever)
        config.latency = .fixed(.milliseconds(1))
        let fast = ContinuousSimulation(config).run(seed: 2)
        config.latency = .fixed(.milliseconds(150))
        let slowEngine = ContinuousSimulation(config)
        let slow = slowEngine.run(seed: 2)
        #expect(fast.residue == 0 && slow.residue == 0)
        let fastTime = try #require(fast.fullCoverageSeconds)
        let slowTime = try #require(slow.fullCoverageSeconds)
        #expect(slowTime > fastTime)
        #expect(slowEngine.run(seed: 2) == slow)
        // Rounds of 200 ms: push-pull needs about log3 n + log2 ln n ≈ 10.8 of them.
        #expect(fastTime > 1 && fastTime < 4)
    }

    @Test("rumor mongering in continuous time leaves a residue and stops on its own")
    func continuousRumor() {
        let policy = Dissemination.RumorPolicy(feedback: .feedback, lossOfInterest: .counter, k: 1)
        let config = ContinuousSimulation.Configuration(nodes: 2_000, mode: .push, forwarding: .rumor(policy))
        let outcome = ContinuousSimulation(config).run(seed: 3)
        #expect(outcome.residue > 0.05 && outcome.residue < 0.5)
        #expect(outcome.fullCoverageSeconds == nil)
        #expect(outcome.messages > 2_000)
    }

    @Test("Bloom filters suppress duplicates; large filters lose nothing, small ones drop updates to false positives")
    func bloomDedup() async {
        var config = BloomDedupSimulation.Configuration(nodes: 2_000, updates: 50)
        config.fanout = 4
        config.bloomBits = 1 << 16
        let roomyConfig = config
        let roomy = await onComputeThread { BloomDedupSimulation(roomyConfig).run(seed: 1) }
        #expect(roomy.falsePositives == 0)
        #expect(roomy.duplicatesSuppressed > roomy.deliveries)
        #expect(roomy.messages == roomy.deliveries + roomy.duplicatesSuppressed + roomy.falsePositives - 50)
        config.bloomBits = 256
        let crampedConfig = config
        let cramped = await onComputeThread { BloomDedupSimulation(crampedConfig).run(seed: 1) }
        #expect(cramped.falsePositives > 0)
        #expect(cramped.coverage < roomy.coverage)
        // The filters' own rate, probed with fresh keys, follows the formula.
        #expect(abs(cramped.probedFalsePositiveRate - cramped.probedExpectedRate) < 0.25 * cramped.probedExpectedRate)
    }
}
