import Dissemination
import Foundation

extension Reproduction {
    /// Rounds to inform everyone by push, pull and push-pull on a complete graph, against the theory: Pittel (1987)
    /// for push, log₂ n + ln n + O(1); Karp et al. (2000) for push-pull, log₃ n + O(log log n); pull doubles its
    /// informed set early and squares its uninformed share late, log₂ n + log₂ ln n + O(1). Then the late-phase
    /// tails: under push the uninformed share shrinks by 1/e per round, under pull it squares.
    ///
    /// The O(1) terms are what a simulation measures; a row passes when the measured mean lies within 2 rounds of
    /// the leading terms (push, pull) or within 2 rounds of log₃ n + log₂ ln n (push-pull).
    public static func spreading(sizes: [Int] = [1_000, 10_000, 100_000], runs: Int = 50, seed: UInt64 = 1)
        -> Reproduction
    {
        var rows: [Row] = []
        var series: [Series] = []
        var pushRatios: [Double] = []
        var pullExponents: [Double] = []
        for mode in Dissemination.Mode.allCases {
            var xs: [Double] = []
            var ys: [Double] = []
            for n in sizes {
                let kernel = SpreadKernel(nodes: n, mode: mode)
                var rounds: [Double] = []
                for run in 0..<runs {
                    let outcome = kernel.run(seed: seed &+ UInt64(n &* 7919 &+ run))
                    rounds.append(Double(outcome.rounds))
                    if n == sizes.last {
                        collectTails(outcome, mode: mode, pushRatios: &pushRatios, pullExponents: &pullExponents)
                    }
                }
                let measured = Distribution(rounds)
                let size = Double(n)
                let (expected, formula): (Double, String)
                switch mode {
                case .push: (expected, formula) = (log2(size) + log(size), "log2 n + ln n")
                case .pull: (expected, formula) = (log2(size) + log2(log(size)), "log2 n + log2 ln n")
                case .pushPull: (expected, formula) = (log(size) / log(3) + log2(log(size)), "log3 n + log2 ln n")
                }
                rows.append(
                    Row(
                        source: "\(mode.rawValue), n=\(n)", quantity: "rounds vs \(formula)", expected: expected,
                        measured: measured.mean, standardError: measured.standardError, tolerance: 2,
                        toleranceRule: "±2 rounds"))
                xs.append(size)
                ys.append(measured.mean)
            }
            series.append(Series(name: mode.rawValue, x: xs, y: ys))
        }
        let ratio = Distribution(pushRatios)
        rows.append(
            Row(
                source: "push late phase, n=\(sizes.last!)", quantity: "u(t+1)/u(t) vs 1/e", expected: exp(-1),
                measured: ratio.mean, standardError: ratio.standardError, tolerance: 0.03, toleranceRule: "±0.03"))
        let exponent = Distribution(pullExponents)
        rows.append(
            Row(
                source: "pull late phase, n=\(sizes.last!)", quantity: "ln u(t+1) / ln u(t) vs 2", expected: 2,
                measured: exponent.mean, standardError: exponent.standardError, tolerance: 0.15,
                toleranceRule: "±0.15"))
        return Reproduction(
            name: "spreading",
            title: "Rumor spreading on the complete graph: Pittel 1987 (push), Karp et al. 2000 (push-pull)",
            method: """
                Synchronous rounds; every node calls one uniformly random other node per round; push: informed \
                callers send; pull: uninformed callers receive from informed callees; push-pull: both. \(runs) runs \
                per size from one random informed node. Late phase: rounds in which the uninformed share u is \
                below 1% (push) or 30% (pull) and at least 30 nodes remain uninformed after the round.
                """,
            rows: rows, series: series)
    }

    private static func collectTails(
        _ outcome: SpreadKernel.Outcome, mode: Dissemination.Mode, pushRatios: inout [Double],
        pullExponents: inout [Double]
    ) {
        let n = Double(outcome.nodes)
        let uninformed = outcome.informedAfterRound.map { (n - Double($0)) / n }
        for t in 0..<(uninformed.count - 1) {
            let now = uninformed[t]
            let next = uninformed[t + 1]
            guard next * n >= 30 else { continue }
            if mode == .push && now < 0.01 { pushRatios.append(next / now) }
            if mode == .pull && now < 0.3 { pullExponents.append(log(next) / log(now)) }
        }
    }
}
