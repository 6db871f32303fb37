import GossipSimulator
import GossipTestKit
import NodeCore
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

    @Test("on the broadcast tree every event reaches every member once, each far sooner than Serf's way")
    func eventsOnTheTree() async {
        var config = SerfExperiment.Configuration(nodes: 150)
        config.events = 6
        config.duration = .seconds(30)
        let serfWay = SerfExperiment(config)
        config.broadcastTree = NodeCore.TreeConfiguration()
        let tree = SerfExperiment(config)
        let (gossiped, carried) = await onComputeThread { (serfWay.run(seed: 4), tree.run(seed: 4)) }
        #expect(carried.events.allSatisfy { $0.reached == 1 && $0.duplicates == 0 })
        for (serf, event) in zip(gossiped.events, carried.events) {
            #expect((event.latencies.last ?? .infinity) * 4 < (serf.latencies.last ?? 0), "\(event.name)")
        }
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

    @Test("writes made on both sides of a partition are on every replica after it heals, and the run says when")
    func writesConverge() async throws {
        var config = SerfExperiment.Configuration(nodes: 60)
        config.events = 0
        config.writes = 200
        config.duration = .seconds(120)
        config.partition = (.seconds(10), .seconds(30))
        let experiment = SerfExperiment(config)
        let outcome = await onComputeThread { experiment.run(seed: 2) }
        let writes = try #require(outcome.writes)
        #expect(writes.acknowledged == 200)
        // Every fifth write overwrites an earlier key.
        #expect(writes.keys == 160)
        #expect(writes.replicasComplete == 1)
        #expect(writes.agree)
        let converged = try #require(writes.convergedAfter)
        #expect(converged >= 0 && converged < 60)
    }
}
