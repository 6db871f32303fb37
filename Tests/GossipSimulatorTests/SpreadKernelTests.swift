import Dissemination
import Foundation
import GossipCore
import GossipSimulator
import GossipTestKit
import Testing

@Suite("The complete-graph spread kernel")
struct SpreadKernelTests {
    @Test("every mode informs everyone, monotonically, and the same seed replays the same run")
    func coverageAndDeterminism() {
        for mode in Dissemination.Mode.allCases {
            let kernel = SpreadKernel(nodes: 5_000, mode: mode)
            let first = kernel.run(seed: 3)
            let again = kernel.run(seed: 3)
            #expect(first == again)
            #expect(first.informedAfterRound.last == 5_000)
            #expect(first.informedAfterRound.first == 1)
            #expect(zip(first.informedAfterRound, first.informedAfterRound.dropFirst()).allSatisfy { $0 <= $1 })
            if mode == .pull { #expect(first.deliveries == 4_999) }
        }
    }

    @Test("push-pull needs fewer rounds than pull, and pull fewer than push")
    func ordering() {
        func meanRounds(_ mode: Dissemination.Mode) -> Double {
            let kernel = SpreadKernel(nodes: 20_000, mode: mode)
            return (0..<20).map { Double(kernel.run(seed: UInt64($0)).rounds) }.reduce(0, +) / 20
        }
        let push = meanRounds(.push)
        let pull = meanRounds(.pull)
        let pushPull = meanRounds(.pushPull)
        #expect(pushPull < pull)
        #expect(pull < push)
    }

    /// The kernel draws successful pulls by geometric skips while few nodes are informed; a reference that draws
    /// every caller's callee must give the same rounds distribution.
    @Test("the geometric-skip pull has the rounds distribution of drawing every callee")
    func sparsePullMatchesReference() async {
        let n = 2_000
        let runs = 300
        let kernel = SpreadKernel(nodes: n, mode: .pull)
        let fast = await onComputeThread { (0..<runs).map { Double(kernel.run(seed: UInt64($0)).rounds) } }
        let reference = await onComputeThread {
            (0..<runs).map { Double(Self.referencePull(n: n, seed: UInt64($0) &+ 1_000_000)) }
        }
        let a = Distribution(fast)
        let b = Distribution(reference)
        let combined = (a.standardError * a.standardError + b.standardError * b.standardError).squareRoot()
        #expect(abs(a.mean - b.mean) < 4 * combined + 0.05)
        #expect(abs(a.p50 - b.p50) <= 1)
    }

    private static func referencePull(n: Int, seed: UInt64) -> Int {
        var rng = SeededRandom(seed: seed)
        var informed = [Bool](repeating: false, count: n)
        informed[rng.nextIndex(below: n)] = true
        var count = 1
        var rounds = 0
        while count < n {
            rounds += 1
            var next = informed
            for node in 0..<n where !informed[node] {
                var callee = rng.nextIndex(below: n - 1)
                if callee >= node { callee += 1 }
                if informed[callee] { next[node] = true }
            }
            informed = next
            count = informed.filter { $0 }.count
        }
        return rounds
    }
}
