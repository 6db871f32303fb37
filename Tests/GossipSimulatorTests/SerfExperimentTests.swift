import GossipSimulator
import GossipTestKit
import SWIM
import Testing

@Suite("The Serf cluster engine")
struct SerfExperimentTests {
    @Test("under 10 % loss every event reaches every member once, about as soon as the spread model says")
    func eventsUnderLoss() async {
        var config = SerfExperiment.Configuration(nodes: 150)
        config.events = 6
        config.network.lossRate = 0.1
        config.duration = .seconds(30)
        let experiment = SerfExperiment(config)
        let outcome = await onComputeThread { experiment.run(seed: 4) }
        #expect(outcome.events.count == 6)
        #expect(outcome.events.allSatisfy { $0.reached == 1 && $0.duplicates == 0 })
        let model = SerfExperiment.modelSeconds(nodes: 150, settings: .lan)
        #expect(outcome.events.allSatisfy { ($0.latencies.last ?? .infinity) < 2 * model })
    }

    @Test("events sent during a partition reach the other side once it heals, each delivered once")
    func partitionHeals() async {
        var config = SerfExperiment.Configuration(nodes: 60)
        config.events = 6
        config.duration = .seconds(240)
        config.partition = (.seconds(10), .seconds(50))
        let experiment = SerfExperiment(config)
        let outcome = await onComputeThread { experiment.run(seed: 9) }
        #expect(outcome.events.allSatisfy { $0.reached == 1 && $0.duplicates == 0 })
        // The events sent while apart took the partition's remainder and a push-pull to cross.
        let crossing = outcome.events.filter { $0.sentAt > 10 && $0.sentAt < 60 }
        #expect(!crossing.isEmpty)
        #expect(crossing.allSatisfy { ($0.latencies.last ?? 0) > 60 - $0.sentAt })
    }
}
