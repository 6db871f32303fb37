import GossipCore
import GossipSimulator
import Replication

/// Scenario 10: product price changes invalidate caches across regions.
///
/// Every region caches every product's price as a register of versions with version vectors. A price change is a
/// write in one region; each round every region exchanges its registers with a random other (push-pull), so the
/// invalidation spreads as gossip. Reads meanwhile may be stale: the scenario counts them and measures each
/// change's stale-read window (rounds until every region has it). Some changes are made in two regions at once:
/// their version vectors are concurrent, both versions are kept as siblings, and a region that sees both resolves
/// them by the shop's rule, the lower price wins, into one version whose history covers both (so regions that
/// resolve the same siblings independently agree).
public enum CacheInvalidation: Scenario {
    /// The command-line name.
    public static let slug = "cache-invalidation"
    /// The setting in a line.
    public static let setting = "product price changes invalidate caches across regions"
    /// What the scenario shows.
    public static let shows = "gossip invalidation, version vectors, stale reads, conflicting updates resolved"

    /// Nodes by mode when `--nodes` is not given.
    public static func defaultNodes(_ mode: ScenarioOptions.Mode) -> Int {
        switch mode {
        case .normal: return 40
        case .test: return 16
        case .benchmark: return 400
        }
    }

    struct Change {
        var product: Int
        var round: Int
        var vector: Replication.VersionVector
        var seenEverywhere: Int?
    }

    /// Runs the scenario: its engines, story, summary, figures and invariants.
    public static func run(_ options: ScenarioOptions) -> ScenarioResult {
        let n = options.nodeCount(for: Self.self)
        let products = 200
        let changeRounds = 40
        var rng = SeededRandom(seed: options.seed, stream: 10)
        var caches = [[Replication.SiblingRegister<Int>]](
            repeating: [Replication.SiblingRegister<Int>](repeating: .init(), count: products), count: n)
        var changes: [Change] = []
        var reads = 0
        var staleReads = 0
        var conflictsMade = 0
        var conflictsResolved = 0
        var exchanges = 0
        var staleShare: [Double] = []
        let names = (0..<n).map { "region-\($0)" }
        var round = 0
        let wallSeconds = ScenarioSupport.timed {
            while round < 300 {
                round += 1
                if round <= changeRounds {
                    for _ in 0..<3 {
                        let product = rng.nextIndex(below: products)
                        let region = rng.nextIndex(below: n)
                        let price = 100 + rng.nextIndex(below: 900)
                        caches[region][product].write(
                            price, by: names[region], context: caches[region][product].context)
                        changes.append(Change(product: product, round: round, vector: caches[region][product].context))
                        if rng.nextIndex(below: 4) == 0 {
                            // The same product changed in another region before the first change reached it.
                            var other = rng.nextIndex(below: n - 1)
                            if other >= region { other += 1 }
                            let competing = 100 + rng.nextIndex(below: 900)
                            caches[other][product].write(
                                competing, by: names[other], context: caches[other][product].context)
                            changes.append(
                                Change(product: product, round: round, vector: caches[other][product].context))
                            conflictsMade += 1
                        }
                    }
                }
                // Reads: five random products per region; stale if a change the region has not seen exists.
                var staleThisRound = 0
                for region in 0..<n {
                    for _ in 0..<5 {
                        let product = rng.nextIndex(below: products)
                        reads += 1
                        let seen = caches[region][product].context
                        let unseen = changes.contains { change in
                            guard change.product == product else { return false }
                            let order = seen.compare(to: change.vector)
                            return order == .before || order == .concurrent
                        }
                        if unseen {
                            staleReads += 1
                            staleThisRound += 1
                        }
                    }
                }
                staleShare.append(Double(staleThisRound) / Double(5 * n))
                // Gossip: push-pull with a random region.
                for region in 0..<n {
                    var peer = rng.nextIndex(below: n - 1)
                    if peer >= region { peer += 1 }
                    // With failures, the link between the two halves of the regions is down for rounds 10 to 24.
                    if options.simulateFailures && (10..<25).contains(round) && (region < n / 2) != (peer < n / 2) {
                        continue
                    }
                    exchanges += 1
                    for product in 0..<products {
                        caches[region][product].merge(caches[peer][product])
                        caches[peer][product] = caches[region][product]
                    }
                    for product in 0..<products where caches[region][product].hasConflict {
                        caches[region][product].resolve(by: min)
                        caches[peer][product] = caches[region][product]
                        conflictsResolved += 1
                    }
                }
                for index in changes.indices where changes[index].seenEverywhere == nil {
                    let change = changes[index]
                    let everywhere = caches.allSatisfy {
                        let order = $0[change.product].context.compare(to: change.vector)
                        return order == .equal || order == .after
                    }
                    if everywhere { changes[index].seenEverywhere = round }
                }
                if round > changeRounds && changes.allSatisfy({ $0.seenEverywhere != nil }) { break }
            }
        }
        let windows = changes.compactMap { change in change.seenEverywhere.map { Double($0 - change.round) } }
        let window = Distribution(windows)
        let agree = (0..<products).allSatisfy { product in
            caches.allSatisfy { $0[product] == caches[0][product] && !$0[product].hasConflict }
        }
        var story = [
            "\(n) regional caches hold prices for \(products) products. For \(changeRounds) rounds, three prices change a round somewhere; a quarter of the time the same product also changes in a second region at once.",
            "Each round every region swaps its price versions with a random other region. A change reaches every region in \(ScenarioSupport.short(window.mean)) rounds on average (p99 \(ScenarioSupport.short(window.p99)), worst \(ScenarioSupport.short(window.max))).",
            "Of \(reads) cache reads, \(staleReads) (\(ScenarioSupport.short(100 * Double(staleReads) / Double(max(reads, 1))))%) returned a price some region had already changed.",
            "\(conflictsMade) changes collided with a change elsewhere; version vectors kept both as siblings and regions resolved \(conflictsResolved) sibling sets by the lower-price rule. At the end every cache holds one agreed price per product: \(agree ? "yes" : "no").",
        ]
        if options.simulateFailures {
            story.insert("From round 10 to 24 the link between the two halves of the regions is down.", at: 1)
        }
        let summary = ScenarioSummary(
            nodes: n, totalMessages: exchanges * 2, convergenceSeconds: window.max, convergenceRounds: window.max,
            coveragePercent: 100 * Double(windows.count) / Double(max(changes.count, 1)),
            messageEfficiencyPercent: 100 * (1 - Double(staleReads) / Double(max(reads, 1))))
        let figures = [
            ScenarioFigure("stale-read window, mean", window.mean, unit: "rounds"),
            ScenarioFigure("stale-read window, p99", window.p99, unit: "rounds"),
            ScenarioFigure("stale reads", 100 * Double(staleReads) / Double(max(reads, 1)), unit: "%"),
            ScenarioFigure("invalidations delivered everywhere", Double(windows.count), unit: "changes"),
            ScenarioFigure("conflicting updates", Double(conflictsMade), unit: "pairs"),
            ScenarioFigure("sibling sets resolved", Double(conflictsResolved), unit: "resolutions"),
        ]
        let invariants = [
            ScenarioInvariant("every change reaches every region", windows.count == changes.count),
            ScenarioInvariant("every cache agrees at the end, with no siblings left", agree),
            ScenarioInvariant(
                "conflicting updates are detected and resolved", conflictsMade == 0 || conflictsResolved > 0),
            ScenarioInvariant("no reads are stale once every change has spread", staleShare.last == 0),
        ]
        var result = ScenarioResult(
            scenario: slug, setting: setting, options: options, story: story, summary: summary, figures: figures,
            invariants: invariants,
            timeline: Timeline(
                columns: ["round", "share of reads that were stale"],
                rows: staleShare.enumerated().map { [Double($0.offset + 1), $0.element] }),
            plots: [
                Plot(
                    title: "Stale reads per round (price changes stop after round \(changeRounds))", xLabel: "round",
                    yLabel: "share of reads that were stale",
                    series: [Series(name: "stale reads", x: staleShare.indices.map { Double($0 + 1) }, y: staleShare)])
            ])
        result.benchmark = ScenarioSupport.benchmark(options, seconds: wallSeconds, messages: exchanges * 2)
        return result
    }
}
