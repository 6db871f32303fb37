import Foundation
import GossipTestKit
import SWIM

extension Reproduction {
    /// Das, Gupta and Motivala 2002 (SWIM), §3.1: with every member up, a crashed member is first probed after
    /// e/(e−1) ≈ 1.582 protocol periods on average; under message loss q with K indirect probes, a probe of a
    /// live member fails with probability (1 − (1−q)²)·(1 − (1−q)⁴)^K.
    ///
    /// The members run `SWIM.Instance` with memberlist's LAN settings. memberlist probes in a shuffled
    /// round-robin rather than uniformly at random; for a member that has just crashed both give the same first-probe
    /// law for large n (each live member's next probe of it lies at a uniform position of its cycle, so the chance
    /// that nobody has probed it after j periods tends to e^(−j)). For the false-positive row the TCP fallback ping is
    /// off, since the SWIM paper has none.
    public static func swim(nodes: Int = 100, runs: Int = 400, lossRuns: Int = 2, seed: UInt64 = 1) -> Reproduction {
        var periods: [Double] = []
        var config = SWIMExperiment.Configuration(nodes: nodes)
        config.crashes = 1
        // A formed cluster: every member walks its own random probe order from the start. (Right after joins, each
        // member's first cycle follows the order it learned members in, and the member that joined last is found
        // sooner: 1.47 periods at n = 100.)
        config.crashAfter = .seconds(5)
        config.duration = .seconds(20)
        for run in 0..<runs {
            let outcome = SWIMExperiment(config).run(seed: seed &+ UInt64(run))
            periods += outcome.firstProbePeriods
        }
        let first = Distribution(periods)
        var rows = [
            Row(
                source: "§3.1, n=\(nodes)", quantity: "first probe of a crashed member, periods",
                expected: exp(1) / (exp(1) - 1), measured: first.mean, standardError: first.standardError,
                tolerance: max(0.05 * exp(1) / (exp(1) - 1), 3 * first.standardError), toleranceRule: "5% or 3 s.e.")
        ]

        let loss = 0.1
        var lossy = SWIMExperiment.Configuration(nodes: nodes)
        lossy.settings.disableStreamPings = true
        lossy.network.lossRate = loss
        lossy.duration = .seconds(300)
        var probes = 0
        var failed = 0
        var lossyFormation = true
        for run in 0..<lossRuns {
            let outcome = SWIMExperiment(lossy).run(seed: seed &+ 1_000 &+ UInt64(run))
            probes += outcome.probes
            failed += outcome.failedProbes
            lossyFormation = lossyFormation && outcome.formationSeconds < 600
        }
        let k = Double(lossy.settings.indirectChecks)
        let expected = (1 - pow(1 - loss, 2)) * pow(1 - pow(1 - loss, 4), k)
        let rate = Double(failed) / Double(max(probes, 1))
        let standardError = (rate * (1 - rate) / Double(max(probes, 1))).squareRoot()
        rows.append(
            Row(
                source: "§3.1, n=\(nodes), q=\(loss), K=\(Int(k))", quantity: "false-positive probability per probe",
                expected: expected, measured: rate, standardError: standardError,
                tolerance: max(0.1 * expected, 3 * standardError), toleranceRule: "10% or 3 s.e."))
        return Reproduction(
            name: "swim",
            title: "Das, Gupta, Motivala 2002, SWIM: first-detection time and false positives per probe",
            method: """
                \(nodes) members with memberlist's LAN settings on a virtual LAN (0.2-2 ms latency). First probe: \
                \(runs) runs, one member of a formed cluster crashed after 5 s; counted \
                in probes of the member that probed it first, since the crash. False positives: \(lossRuns) runs of 300 s at \(Int(loss * 100))% \
                loss of every datagram, without the TCP fallback; failed probes over all probes of live members.
                """,
            rows: rows,
            series: [
                Series(
                    name: "first-probe periods (sorted runs)", x: periods.indices.map(Double.init), y: periods.sorted())
            ])
    }
}
