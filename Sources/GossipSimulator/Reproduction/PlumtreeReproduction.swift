extension Reproduction {
    /// Plumtree on HyParView (Leitão, Pereira and Rodrigues: HyParView, DSN 2007; Epidemic Broadcast Trees, SRDS
    /// 2007) at `nodes` nodes. The papers plot their results rather than tabulate them, so the rows check the
    /// claims' shape, with the theory's values where there is one:
    ///
    /// - flooding the overlay costs each node its degree less the link it heard on: RMR = (n(d̄ − 2) + 2)/(n − 1)
    ///   for mean active view d̄ (the count, exactly, of what the simulation sends);
    /// - Plumtree's first broadcasts prune the overlay into a tree: after them RMR is near 0 and every node still
    ///   delivers, along paths no shorter than flooding's (the tree trades hops for messages);
    /// - after a share of the nodes fail at once, the overlay repairs itself from the passive views: the first
    ///   broadcast, sent as they fail, loses some nodes, and the broadcasts after the repair reach every survivor.
    public static func plumtree(nodes: Int = 10_000, seed: UInt64 = 1) -> Reproduction {
        func run(_ spreading: BroadcastSimulation.Spreading, failing share: Double = 0, broadcasts: Int)
            -> BroadcastSimulation.Report
        {
            var configuration = BroadcastSimulation.Configuration()
            configuration.nodes = nodes
            configuration.spreading = spreading
            configuration.failureShare = share
            configuration.broadcasts = broadcasts
            configuration.seed = seed
            return BroadcastSimulation(configuration: configuration).run()
        }
        let flood = run(.flood, broadcasts: 5)
        let stable = run(.plumtree, broadcasts: 10)
        let n = Double(nodes)
        let degree = flood.meanActiveView
        let floodTheory = (n * (degree - 2) + 2) / (n - 1)
        let floodRMR = flood.outcomes.map(\.redundancy).reduce(0, +) / Double(flood.outcomes.count)
        let treeOutcomes = stable.outcomes.dropFirst(2)
        let treeRMR = treeOutcomes.map(\.redundancy).reduce(0, +) / Double(treeOutcomes.count)
        let treeReliability = stable.outcomes.map(\.reliability).min() ?? 0
        let converged = stable.outcomes.firstIndex { $0.redundancy <= 0.1 }.map { $0 + 1 } ?? stable.outcomes.count + 1
        let floodHops = Double(flood.outcomes.map(\.lastDeliveryHop).reduce(0, +)) / Double(flood.outcomes.count)
        let treeHops = Double(treeOutcomes.map(\.lastDeliveryHop).reduce(0, +)) / Double(treeOutcomes.count)
        var rows = [
            Row(
                source: "flooding on HyParView", quantity: "RMR = (n(d̄−2)+2)/(n−1), d̄ = \(formatNumber(degree))",
                expected: floodTheory, measured: floodRMR, tolerance: floodTheory * 0.02, toleranceRule: "2%"),
            Row(
                source: "Plumtree, stable", quantity: "broadcasts until RMR ≤ 0.1", bound: .atMost, expected: 2,
                measured: Double(converged)),
            Row(
                source: "Plumtree, stable", quantity: "RMR once the tree is built", bound: .atMost, expected: 0.1,
                measured: treeRMR),
            Row(
                source: "Plumtree, stable", quantity: "reliability (worst broadcast)", bound: .atLeast, expected: 1,
                measured: treeReliability),
            Row(
                source: "Plumtree vs flooding", quantity: "last delivery hop, tree / flooding", bound: .atLeast,
                expected: 1, measured: treeHops / max(floodHops, 1)),
        ]
        var series: [Series] = []
        var firstBroadcasts: [String] = []
        for share in [0.2, 0.5, 0.8] {
            let failed = run(.plumtree, failing: share, broadcasts: 6)
            firstBroadcasts.append("\(Int(share * 100)) %: \(formatNumber(failed.outcomes.first?.reliability ?? 0))")
            let repaired = failed.outcomes.dropFirst(2).map(\.reliability).min() ?? 0
            rows.append(
                Row(
                    source: "\(Int(share * 100)) % fail at once", quantity: "reliability after repair (broadcasts 3–6)",
                    bound: .atLeast, expected: share <= 0.5 ? 1 : 0.99, measured: repaired))
            series.append(
                Series(
                    name: "\(Int(share * 100)) % failed", x: failed.outcomes.indices.map { Double($0 + 1) },
                    y: failed.outcomes.map(\.reliability)))
        }
        return Reproduction(
            name: "plumtree",
            title: "Plumtree on HyParView (Leitão et al. 2007): redundancy, hops and recovery after mass failure",
            method: """
                \(nodes) nodes join one after another through random earlier ones (HyParView: active view 5, \
                passive 30, ARWL 6, PRWL 3, shuffles of 3 + 4 every 10 s) and settle for 60 virtual s; links take \
                5–50 ms each. Broadcasts of 64 bytes are sent one a second from random live nodes. A node hears that \
                a neighbour failed, or that a peer it sends to is gone, a round trip later (as TCP tells it), and \
                refills its active view from its passive view. Mean active view \(formatNumber(degree)); flooding's \
                last delivery hop \(formatNumber(floodHops)), the tree's \(formatNumber(treeHops)). The papers plot \
                rather than tabulate, so the rows check their claims' shape and flooding's exact cost. The first \
                broadcast after the failures, sent as they happen, reaches \(firstBroadcasts.joined(separator: ", ")) \
                of the survivors.
                """,
            rows: rows, series: series)
    }
}
