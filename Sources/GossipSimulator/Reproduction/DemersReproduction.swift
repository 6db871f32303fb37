import Dissemination

extension Reproduction {
    /// Demers et al. 1987, Tables 1–3: rumor mongering on 1,000 sites, residue s and traffic m for push with
    /// feedback and counter, push blind with coin, and pull with feedback and counter, k = 1…5 (1…3 for pull).
    ///
    /// The paper does not say how many runs its tables average, so a residue is judged against the larger of 5 %
    /// of the paper's value and 3 standard errors of the difference, where the paper's own figure is given the
    /// binomial standard error √(s(1−s)/n) of a residue measured once on n sites. Traffic is judged within 2 %, or 3
    /// standard errors of the measured mean where 2 % is finer than the runs can resolve (blind coin with k = 1,
    /// whose traffic is the length of a single chain of infections and varies from run to run by half its mean).
    public static func demers(runs: Int = 400, nodes: Int = 1000, seed: UInt64 = 1) -> Reproduction {
        struct Table {
            var number: Int
            var mode: Dissemination.Mode
            var variant: String
            var residue: [Double]
            var traffic: [Double]
        }
        let tables = [
            Table(
                number: 1, mode: .push, variant: "feedback-counter",
                residue: [0.176, 0.037, 0.011, 0.0036, 0.0012], traffic: [1.74, 3.30, 4.53, 5.64, 6.68]),
            Table(
                number: 2, mode: .push, variant: "blind-coin",
                residue: [0.960, 0.205, 0.060, 0.021, 0.008], traffic: [0.04, 1.59, 2.82, 3.91, 4.95]),
            Table(
                number: 3, mode: .pull, variant: "feedback-counter",
                residue: [0.031, 0.00058, 0.000004], traffic: [2.70, 4.49, 6.09]),
        ]
        var rows: [Row] = []
        var residueSeries: [Series] = []
        for table in tables {
            var ks: [Double] = []
            var measuredResidues: [Double] = []
            for (index, paperResidue) in table.residue.enumerated() {
                let k = index + 1
                let policy = Dissemination.RumorPolicy(variant: table.variant, k: k)!
                let engine = RoundSimulation(
                    RoundSimulation.Configuration(nodes: nodes, mode: table.mode, forwarding: .rumor(policy)))
                var residues: [Double] = []
                var traffic: [Double] = []
                for run in 0..<runs {
                    let outcome = engine.run(seed: seed &+ UInt64(table.number * 100_000 + k * 10_000 + run))
                    residues.append(outcome.residue)
                    traffic.append(outcome.traffic)
                }
                let s = Distribution(residues)
                let m = Distribution(traffic)
                let source = "Table \(table.number) \(table.mode.rawValue) \(table.variant), k=\(k)"
                let paperError = (paperResidue * (1 - paperResidue) / Double(nodes)).squareRoot()
                let combined = (s.standardError * s.standardError + paperError * paperError).squareRoot()
                rows.append(
                    Row(
                        source: source, quantity: "residue s", expected: paperResidue, measured: s.mean,
                        standardError: s.standardError, tolerance: max(0.05 * paperResidue, 3 * combined),
                        toleranceRule: "5% or 3 s.e."))
                rows.append(
                    Row(
                        source: source, quantity: "traffic m", expected: table.traffic[index], measured: m.mean,
                        standardError: m.standardError,
                        tolerance: max(0.02 * table.traffic[index], 3 * m.standardError), toleranceRule: "2% or 3 s.e.")
                )
                ks.append(Double(k))
                measuredResidues.append(s.mean)
            }
            residueSeries.append(
                Series(
                    name: "Table \(table.number): \(table.mode.rawValue) \(table.variant)", x: ks, y: measuredResidues))
        }
        return Reproduction(
            name: "demers",
            title: "Demers et al. 1987, Epidemic Algorithms for Replicated Database Maintenance: Tables 1-3",
            method: """
                \(nodes) sites, \(runs) runs per row, one random initial infective. Each cycle every infective \
                (push) or every site (pull) contacts one random other site; whether the recipient already knew is \
                judged against its state at the start of the cycle; a counter counts consecutive unneeded contacts \
                and a useful one resets it; a pulled infective counts one contact per cycle. s: share of sites \
                never informed; m: messages carrying the rumor per site.
                """,
            rows: rows, series: residueSeries)
    }
}
