import Dissemination
import Foundation
import GossipCore
import Testing

/// Push-sum in epochs, as the real node runs it, on a simulated cluster in lockstep rounds.
@Suite("Epoch aggregates")
struct EpochAggregateTests {
    /// Runs `rounds` rounds of `nodes` (each sends half its mass to one random other node) and returns the largest
    /// relative error of the average over all nodes after each round.
    static func run(_ nodes: inout [Dissemination.EpochAggregate], rounds: Int, seed: UInt64) -> [Double] {
        var rng = SeededRandom(seed: seed)
        let values = nodes.compactMap(\.localValue)
        let truth = values.reduce(0, +) / Double(values.count)
        var errors: [Double] = []
        for _ in 0..<rounds {
            var inbox: [[Dissemination.EpochAggregate.Share]] = Array(repeating: [], count: nodes.count)
            for index in nodes.indices {
                var peer = rng.nextIndex(below: nodes.count - 1)
                if peer >= index { peer += 1 }
                inbox[peer].append(nodes[index].split())
            }
            for index in nodes.indices { for share in inbox[index] { nodes[index].absorb(share) } }
            errors.append(nodes.map { abs(($0.current.average ?? .infinity) - truth) / abs(truth) }.max()!)
        }
        return errors
    }

    @Test("1,000 nodes reach relative error 10⁻⁶ within 2 (log2 n + log2 1/ε) rounds; the stated spread bounds it")
    func convergesWithinTheBound() {
        let n = 1_000
        let epsilon = 1e-6
        var nodes = (0..<n).map { _ in Dissemination.EpochAggregate(epoch: 1, localValue: nil) }
        for index in 0..<n { nodes[index].setLocalValue(Double(index % 100)) }
        for index in 0..<n { nodes[index].advance(to: 2) }  // values count from the next epoch
        let errors = Self.run(&nodes, rounds: 80, seed: 7)
        let bound = Int((2 * (log2(Double(n)) + log2(1 / epsilon))).rounded(.up))  // 60 rounds
        let reached = errors.firstIndex { $0 <= epsilon }.map { $0 + 1 }
        #expect(reached != nil && reached! <= bound)
        let truth = 49.5
        for node in nodes {
            let estimate = node.current
            #expect(abs(estimate.average! - truth) <= estimate.spread! + 1e-12)
            #expect(estimate.fraction! > 0.999999 && estimate.fraction! < 1.000001)
            #expect(estimate.count(members: n) == 1_000 && estimate.minimum == 0 && estimate.maximum == 99)
        }
    }

    @Test("a count of the nodes holding a value, and a sum, when only some hold one")
    func partialParticipation() {
        var nodes = (0..<200).map { _ in Dissemination.EpochAggregate(epoch: 5, localValue: nil) }
        for index in stride(from: 0, to: 200, by: 4) { nodes[index].setLocalValue(2) }  // 50 nodes hold 2
        for index in nodes.indices { nodes[index].advance(to: 6) }
        _ = Self.run(&nodes, rounds: 60, seed: 11)
        for node in nodes {
            #expect(node.current.count(members: 200) == 50)
            #expect(abs(node.current.sum(members: 200)! - 100) < 1e-6)
        }
    }

    @Test("a new epoch restarts from local values and keeps the finished estimate; older shares are dropped")
    func epochs() {
        var a = Dissemination.EpochAggregate(epoch: 1, localValue: 10)
        var b = Dissemination.EpochAggregate(epoch: 1, localValue: 20)
        for _ in 0..<30 {
            let fromA = a.split()
            let fromB = b.split()
            a.absorb(fromB)
            b.absorb(fromA)
        }
        #expect(abs(a.current.average! - 15) < 1e-9)
        b.setLocalValue(40)
        let late = a.split()
        b.advance(to: 2)
        #expect(abs(b.lastEstimate!.average! - 15) < 1e-9)
        #expect(b.current.average == 40)
        let lateTaken = b.absorb(late)
        #expect(!lateTaken)  // epoch 1 is over at b
        let fresh = b.split()
        let freshTaken = a.absorb(fresh)
        #expect(freshTaken)  // moves a to epoch 2
        #expect(a.epoch == 2 && a.lastEstimate != nil)
        a.advance(to: 4)  // a gap: epoch 3 never ran here
        #expect(a.lastEstimate == nil)
    }
}
