import GossipSimulator
import GossipTestKit
import Testing

@Suite("Broadcast over HyParView in the simulator")
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
