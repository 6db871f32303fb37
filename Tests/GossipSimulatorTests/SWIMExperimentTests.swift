import GossipSimulator
import GossipTestKit
import SWIM
import Testing

@Suite("The SWIM cluster engine")
struct SWIMExperimentTests {
    @Test("a crash is detected within the suspicion bounds, with no false positives on a clean network")
    func crashDetection() async {
        var config = SWIMExperiment.Configuration(nodes: 30)
        config.crashes = 2
        config.duration = .seconds(90)
        let experiment = SWIMExperiment(config)
        let outcome = await onComputeThread { experiment.run(seed: 3) }
        let minimum = SWIM.Settings.lan.suspicionMinimumTimeout(clusterSize: 28).secondsValue
        let maximum = SWIM.Settings.lan.suspicionMaximumTimeout(clusterSize: 28).secondsValue
        #expect(outcome.firstDetection.count == 2)
        #expect(outcome.firstDetection.allSatisfy { $0 >= minimum && $0 <= maximum + 3 })
        #expect(outcome.lastDetection.allSatisfy { $0 != nil })
        #expect(outcome.falseSuspicions == 0)
        #expect(outcome.falseDeaths == 0)
    }

    @Test("a partition's verdicts are counted apart, and the cluster agrees again after healing")
    func partition() throws {
        var config = SWIMExperiment.Configuration(nodes: 20)
        config.crashes = 0
        config.duration = .seconds(150)
        config.partition = (.seconds(10), .seconds(60))
        let outcome = SWIMExperiment(config).run(seed: 2)
        #expect(outcome.partitionVerdicts > 0)
        #expect(outcome.falseDeaths == 0)
        let convergence = try #require(outcome.partitionConvergenceSeconds)
        #expect(convergence < 60)
    }
}
