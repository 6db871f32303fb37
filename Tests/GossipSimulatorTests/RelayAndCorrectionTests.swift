import Dissemination
import GossipSimulator
import Testing

@Suite("Announce-then-fetch relay and competing rumors")
struct RelayAndCorrectionTests {
    @Test("announce-then-fetch requests once, ignores later announcements and spots duplicates")
    func decisions() {
        let policy = Dissemination.AnnounceThenFetch()
        var state = Dissemination.AnnounceThenFetch.State.unknown
        #expect(policy.announced(&state) == .request)
        #expect(policy.announced(&state) == .ignore)
        #expect(policy.delivered(&state) == .keepAndAnnounce)
        #expect(policy.delivered(&state) == .duplicate)
        #expect(policy.announced(&state) == .ignore)
    }

    @Test("announcing moves each object once per node; flooding sends it along every link")
    func relay() {
        var config = AnnounceFetchSimulation.Configuration(nodes: 400)
        config.objectBytes = 100_000
        let announced = AnnounceFetchSimulation(config, graphSeed: 1).run(seed: 1)
        config.flood = true
        let flooded = AnnounceFetchSimulation(config, graphSeed: 1).run(seed: 1)
        #expect(announced.arrival.allSatisfy { $0 != nil })
        #expect(flooded.arrival.allSatisfy { $0 != nil })
        #expect(announced.objectTransfers == 399)
        #expect(announced.duplicateTransfers == 0)
        #expect(flooded.duplicateTransfers > 5 * 399)
        #expect(announced.transfersAvoided > 0)
    }

    @Test("a correction stops the rumor: sooner corrections leave fewer believers, and everyone is corrected")
    func correction() {
        func believers(delay: Int) -> CompetingRumorsSimulation.Outcome {
            var config = CompetingRumorsSimulation.Configuration(
                nodes: 3_000, rumorPolicy: .init(feedback: .feedback, lossOfInterest: .counter, k: 2))
            config.correctionDelay = delay
            config.correctionFanout = 2
            return CompetingRumorsSimulation(config).run(seed: 4)
        }
        let early = believers(delay: 2)
        let late = believers(delay: 8)
        #expect(early.believedBeforeCorrection < late.believedBeforeCorrection)
        #expect(early.sawCorrection == 1 && late.sawCorrection == 1)
        #expect(early.reproductionNumber > 1)
    }
}
