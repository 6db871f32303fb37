import Dissemination
import GossipCore
import Testing

@Suite("Rumor policies, fanout, forwarding and push-sum")
struct RumorPolicyTests {
    @Test("feedback-counter stops after k consecutive unneeded contacts and a useful one resets the count")
    func feedbackCounter() {
        let policy = Dissemination.RumorPolicy(feedback: .feedback, lossOfInterest: .counter, k: 2)
        var rng = SeededRandom(seed: 1)
        var counter: UInt8 = 0
        let first = policy.recordContact(counter: &counter, recipientKnew: true, using: &rng)
        #expect(first)
        let useful = policy.recordContact(counter: &counter, recipientKnew: false, using: &rng)
        #expect(useful)
        #expect(counter == 0)
        let again = policy.recordContact(counter: &counter, recipientKnew: true, using: &rng)
        #expect(again)
        let last = policy.recordContact(counter: &counter, recipientKnew: true, using: &rng)
        #expect(!last)
    }

    @Test("blind-counter counts every contact, needed or not")
    func blindCounter() {
        let policy = Dissemination.RumorPolicy(feedback: .blind, lossOfInterest: .counter, k: 3)
        var rng = SeededRandom(seed: 1)
        var counter: UInt8 = 0
        var stays: [Bool] = []
        for _ in 0..<3 { stays.append(policy.recordContact(counter: &counter, recipientKnew: false, using: &rng)) }
        #expect(stays == [true, true, false])
    }

    @Test("a coin stops with probability 1/k on counted contacts only")
    func coin() {
        let blind = Dissemination.RumorPolicy(feedback: .blind, lossOfInterest: .coin, k: 4)
        let feedback = Dissemination.RumorPolicy(feedback: .feedback, lossOfInterest: .coin, k: 4)
        var rng = SeededRandom(seed: 9)
        var counter: UInt8 = 0
        var stops = 0
        for _ in 0..<40_000 where !blind.recordContact(counter: &counter, recipientKnew: false, using: &rng) {
            stops += 1
        }
        #expect(abs(Double(stops) / 40_000 - 0.25) < 0.01)
        for _ in 0..<1_000 {
            let stays = feedback.recordContact(counter: &counter, recipientKnew: false, using: &rng)
            #expect(stays)
        }
        let once = Dissemination.RumorPolicy(feedback: .blind, lossOfInterest: .coin, k: 1)
        let stays = once.recordContact(counter: &counter, recipientKnew: false, using: &rng)
        #expect(!stays)
    }

    @Test("variants parse from their command-line names and reject nonsense")
    func parsing() {
        #expect(Dissemination.RumorPolicy(variant: "blind-coin", k: 2)?.lossOfInterest == .coin)
        #expect(Dissemination.RumorPolicy(variant: "feedback-counter", k: 0) == nil)
        #expect(Dissemination.RumorPolicy(variant: "push-counter", k: 1) == nil)
        #expect(Dissemination.Mode(rawValue: "push-pull") == .pushPull)
    }

    @Test("ln n + c fanout and the adaptive fanout's steering")
    func fanout() {
        #expect(Dissemination.FanoutPolicy.logarithmic(c: 1).initialFanout(clusterSize: 100_000) == 13)
        #expect(Dissemination.FanoutPolicy.fixed(4).initialFanout(clusterSize: 10) == 4)
        let adaptive = Dissemination.AdaptiveFanout(minimum: 1, maximum: 5, initial: 3, targetDuplicateShare: 0.5)
        #expect(adaptive.adjusted(3, received: 10, duplicates: 9) == 2)
        #expect(adaptive.adjusted(3, received: 10, duplicates: 1) == 4)
        #expect(adaptive.adjusted(5, received: 10, duplicates: 0) == 5)
        #expect(adaptive.adjusted(3, received: 0, duplicates: 0) == 3)
    }

    @Test("bandwidth caps bound messages by count and by bytes")
    func bandwidth() {
        let cap = Dissemination.BandwidthCap(messagesPerRound: 5, bytesPerRound: 1_000)
        #expect(cap.allowance(wanted: 10, messageSize: 100) == 5)
        #expect(cap.allowance(wanted: 10, messageSize: 400) == 2)
        #expect(Dissemination.BandwidthCap.unlimited.allowance(wanted: 7, messageSize: 1) == 7)
        #expect(Dissemination.ProbabilisticForwarding.adaptive(degree: 10, targetForwarders: 2).probability == 0.2)
    }

    @Test("push-sum conserves mass: splitting and absorbing keep the total sum and weight")
    func pushSumMass() {
        var a = Dissemination.PushSum(value: 10)
        var b = Dissemination.PushSum(value: 30)
        for _ in 0..<50 {
            let fromA = a.split()
            let fromB = b.split()
            a.absorb(fromB)
            b.absorb(fromA)
        }
        #expect(abs(a.sum + b.sum - 40) < 1e-9)
        #expect(abs(a.weight + b.weight - 2) < 1e-9)
        #expect(abs(a.estimate! - 20) < 1e-9)
        var minimum = Dissemination.ExtremeGossip(.minimum, value: 5)
        let lowered = minimum.merge(3)
        let unchanged = minimum.merge(4)
        #expect(lowered)
        #expect(!unchanged)
        #expect(minimum.value == 3)
    }
}
