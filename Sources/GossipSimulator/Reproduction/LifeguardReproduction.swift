import GossipTestKit
import SWIM

extension Reproduction {
    /// Our own experiment in the spirit of Dadgar, Phillips and Currey 2018 (Lifeguard): the same cluster with some
    /// slow members (every datagram to or from them delayed) and some stalling ones (paused now and then, as by a
    /// long garbage collection), run with and without Lifeguard's local-health extensions, counting false positives
    /// (suspicions and dead declarations of members that never crashed) and the detection time of a real crash.
    ///
    /// "Without Lifeguard" sets `SWIM.Settings.awarenessMaxMultiplier` and
    /// `SWIM.Settings.suspicionMaxTimeoutMultiplier` to 1: probes keep their nominal timing whatever the node's
    /// own health, and a suspicion always times out after the minimum. (The buddy system, which piggybacks a
    /// suspicion on the ping to the suspect, stays on in both.) The paper reports more than 50 times fewer false
    /// positives with Lifeguard on its testbed; the rows below pass when Lifeguard cuts false positives at least in
    /// half here and a real crash is still declared within the suspicion timeout's bounds.
    public static func lifeguard(nodes: Int = 100, duration: Duration = .seconds(300), seed: UInt64 = 1) -> Reproduction
    {
        func configuration(lifeguard: Bool) -> SWIMExperiment.Configuration {
            var config = SWIMExperiment.Configuration(nodes: nodes)
            config.duration = duration
            config.crashes = 1
            config.crashAfter = .seconds(60)
            config.slowMembers = max(1, nodes / 10)
            config.slowDelay = .milliseconds(600)
            config.stallingMembers = max(1, nodes / 10)
            config.stallLength = .seconds(2)
            config.stallPeriod = .seconds(30)
            if !lifeguard {
                config.settings.awarenessMaxMultiplier = 1
                config.settings.suspicionMaxTimeoutMultiplier = 1
            }
            return config
        }
        let with = SWIMExperiment(configuration(lifeguard: true)).run(seed: seed)
        let without = SWIMExperiment(configuration(lifeguard: false)).run(seed: seed)
        let settings = SWIM.Settings.lan
        let live = nodes - 1
        let minimum = settings.suspicionMinimumTimeout(clusterSize: live).secondsValue
        let maximum = settings.suspicionMaximumTimeout(clusterSize: live).secondsValue
        let withFalse = Double(with.falseSuspicions + with.falseDeaths)
        let withoutFalse = Double(without.falseSuspicions + without.falseDeaths)
        let factor = withoutFalse / max(withFalse, 1)
        let detection = with.firstDetection.first ?? .infinity
        let bound = settings.probeInterval.secondsValue * 2 + maximum
        return Reproduction(
            name: "lifeguard",
            title: "Lifeguard (Dadgar et al. 2018): false positives with and without local health awareness",
            method: """
                \(nodes) members, LAN settings, \(Int(duration.secondsValue)) virtual s. \(max(1, nodes / 10)) \
                members are slow (600 ms added to every datagram to or from them), \(max(1, nodes / 10)) stall for \
                2 s every 30 s, one member crashes 60 s in. False positives: suspicion and death events (counted \
                at every observer) about healthy members (neither crashed, slow nor stalling). Without Lifeguard: \(Int(withoutFalse)) \
                (\(without.falseSuspicions) suspicions, \(without.falseDeaths) deaths); with Lifeguard: \
                \(Int(withFalse)) (\(with.falseSuspicions) suspicions, \(with.falseDeaths) deaths). Degraded members \
                suspected / declared dead: without \(without.degradedSuspicions) / \(without.degradedDeaths), with \
                \(with.degradedSuspicions) / \(with.degradedDeaths).
                """,
            rows: [
                Row(
                    source: "healthy members' false positives", quantity: "reduction factor without / with Lifeguard",
                    bound: .atLeast, expected: 2, measured: factor),
                Row(
                    source: "crash detection with Lifeguard", quantity: "first dead declaration, s",
                    bound: .atLeast, expected: minimum, measured: detection),
                Row(
                    source: "crash detection with Lifeguard", quantity: "first dead declaration, s",
                    bound: .atMost, expected: bound, measured: detection),
            ],
            series: [
                Series(
                    name: "alive members seen by member 0, with Lifeguard",
                    x: with.aliveSeenByFirst.indices.map(Double.init), y: with.aliveSeenByFirst.map(Double.init)),
                Series(
                    name: "alive members seen by member 0, without Lifeguard",
                    x: without.aliveSeenByFirst.indices.map(Double.init),
                    y: without.aliveSeenByFirst.map(Double.init)),
            ])
    }
}
