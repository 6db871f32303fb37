import Foundation

extension Reproduction {
    /// Bimodal Multicast (Birman, Hayden, Ozkasap, Xiao, Budiu and Minsky, ACM TOCS 1999): how many members
    /// deliver a message whose multicast mostly failed. The paper's figure of the delivery distribution is drawn
    /// from its Markov-chain analysis rather than tabulated, so each row sets the pure `Pbcast` value, run
    /// `runs` times over a lossy network in the simulator, against that analysis computed exactly
    /// (``PbcastSimulation/theory(_:independent:)``): the chance that almost none (at most a tenth), almost all (at least
    /// nine tenths) or some in between deliver, and the mean. The claim checked last is the shape: the middle is
    /// all but empty.
    public static func pbcast(runs: Int = 20_000, seed: UInt64 = 1) -> Reproduction {
        var rows: [Row] = []
        var series: [Series] = []
        let scenarios: [(name: String, reach: Double, crash: Double)] = [
            ("multicast reached 10 %, sender crashed half the time", 0.1, 0.5),
            ("multicast reached 2 %, sender crashed", 0.02, 1),
        ]
        var method: [String] = []
        var approximations: [String] = []
        for (index, scenario) in scenarios.enumerated() {
            var configuration = PbcastSimulation.Configuration()
            configuration.multicastReach = scenario.reach
            configuration.senderCrash = scenario.crash
            configuration.runs = runs
            configuration.seed = seed &+ UInt64(index)
            let n = configuration.nodes
            let receivers = Double(n - 1)
            let histogram = PbcastSimulation(configuration: configuration).run()
            let theory = PbcastSimulation.theory(configuration)
            let measured = histogram.map { Double($0) / Double(runs) }
            let few = Int((receivers / 10).rounded(.down))
            let many = Int((receivers * 0.9).rounded(.up))
            func share(_ distribution: [Double], _ range: ClosedRange<Int>) -> Double {
                range.reduce(0) { $0 + distribution[$1] }
            }
            let bands: [(String, ClosedRange<Int>)] = [
                ("P(at most \(few) of \(n - 1) deliver)", 0...few),
                ("P(\(few + 1)–\(many - 1) deliver)", (few + 1)...(many - 1)),
                ("P(at least \(many) deliver)", many...(n - 1)),
            ]
            for (quantity, range) in bands {
                let expected = share(theory, range)
                let value = share(measured, range)
                let error = (expected * (1 - expected) / Double(runs)).squareRoot()
                rows.append(
                    Row(
                        source: scenario.name, quantity: quantity, expected: expected, measured: value,
                        standardError: error, tolerance: 4 * error + 0.002, toleranceRule: "4 s.e. + 0.002"))
            }
            let expectedMean = theory.enumerated().reduce(0) { $0 + Double($1.offset) * $1.element }
            let mean = measured.enumerated().reduce(0) { $0 + Double($1.offset) * $1.element }
            let variance = measured.enumerated().reduce(0) { $0 + pow(Double($1.offset) - mean, 2) * $1.element }
            let meanError = (variance / Double(runs)).squareRoot()
            rows.append(
                Row(
                    source: scenario.name, quantity: "members delivering (mean)", expected: expectedMean,
                    measured: mean, standardError: meanError, tolerance: 4 * meanError + 0.05,
                    toleranceRule: "4 s.e. + 0.05"))
            rows.append(
                Row(
                    source: scenario.name, quantity: "the middle (bimodal: almost all or almost none)",
                    bound: .atMost, expected: 0.01, measured: share(measured, (few + 1)...(many - 1))))
            let binomial = PbcastSimulation.theory(configuration, independent: true)
            approximations.append(
                "\(scenario.name): the middle \(formatNumber(share(binomial, (few + 1)...(many - 1)))) by it, "
                    + "\(formatNumber(share(theory, (few + 1)...(many - 1)))) exactly")
            let shown = measured.indices.filter { measured[$0] > 0 }
            series.append(
                Series(name: "\(scenario.name): simulated", x: shown.map(Double.init), y: shown.map { measured[$0] }))
            series.append(
                Series(
                    name: "\(scenario.name): analysis", x: theory.indices.map(Double.init),
                    y: theory.map { max($0, 1e-30) }))
            method.append(
                "\(scenario.name): the multicast reaches each member with chance \(formatNumber(scenario.reach)), "
                    + "the sender crashes with chance \(formatNumber(scenario.crash))")
        }
        return Reproduction(
            name: "pbcast",
            title: "Bimodal Multicast (Birman et al. 1999): a message reaches almost all members or almost none",
            method: """
                50 members, fanout \(PbcastSimulation.Configuration().fanout), \
                \(PbcastSimulation.Configuration().rounds) gossip rounds; each digest, solicitation and retransmission is lost with \
                chance 0.05; \(runs) runs per scenario of the pure Pbcast value in lockstep rounds. \
                \(method.joined(separator: "; ")). The paper draws its delivery distribution from a Markov chain \
                over the number of members holding the message; the rows set the simulation against that chain \
                computed exactly, with the three messages of an exchange each lost and each digest infecting at most \
                one member. The paper's recurrence takes every member to be infected independently, which lets one \
                digest infect several and overstates the stalls: \(approximations.joined(separator: "; ")).
                """,
            rows: rows, series: series)
    }
}
