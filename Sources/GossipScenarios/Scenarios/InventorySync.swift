import GossipCore
import GossipSimulator
import Replication

/// Scenario 7: warehouses keep stock counts consistent with Merkle anti-entropy.
///
/// Every warehouse keeps a replica of the stock ledger: for each SKU, one entry per warehouse holding that
/// warehouse's own restocks and sales, written only by it with increasing timestamps. Because each entry has a
/// single writer, last-writer-wins on entries is a PN-counter on stock: merges add up exactly. Each round every
/// warehouse sells and restocks a few SKUs, then runs an anti-entropy exchange with a random other warehouse,
/// which compares Merkle roots and ships only the entries that differ. With `--simulate-failures` the network is
/// split in two for a third of the run.
public enum InventorySync: Scenario {
    /// The command-line name.
    public static let slug = "inventory-sync"
    /// The setting in a line.
    public static let setting = "warehouses keep stock counts consistent"
    /// What the scenario shows.
    public static let shows = "anti-entropy with Merkle trees, conflict-free counters, bytes against a full transfer"

    /// Nodes by mode when `--nodes` is not given.
    public static func defaultNodes(_ mode: ScenarioOptions.Mode) -> Int {
        switch mode {
        case .normal: return 50
        case .test: return 20
        case .benchmark: return 200
        }
    }

    /// Runs the scenario: its engines, story, summary, figures and invariants.
    public static func run(_ options: ScenarioOptions) -> ScenarioResult {
        let n = options.nodeCount(for: Self.self)
        let skus = options.mode == .test ? 500 : 2_000
        let activeRounds = 30
        var rng = SeededRandom(seed: options.seed, stream: 7)
        var replicas = (0..<n).map { _ in Replication.Replica(treeDepth: 14) }
        var clocks = (0..<n).map { Replication.HybridLogicalClock(node: UInt32($0)) }
        // Each warehouse's own running totals per SKU (restocked, sold): what it writes into its entries.
        var own = [[Int: (Int, Int)]](repeating: [:], count: n)
        var trueStock = [Int](repeating: 0, count: skus)
        var bytes = 0
        var fullBytes = 0
        var shipped = 0
        var syncs = 0
        var agreementRound: Int?
        var rootsAgreeing: [Double] = []
        let partitioned = options.simulateFailures ? 10..<20 : 0..<0

        func key(_ sku: Int, _ warehouse: Int) -> String { "sku-\(sku)/wh-\(warehouse)" }
        func encode(_ totals: (Int, Int)) -> [UInt8] {
            withUnsafeBytes(of: (Int64(totals.0), Int64(totals.1))) { Array($0) }
        }
        func stock(_ replica: Replication.Replica, sku: Int) -> Int {
            var total = 0
            for warehouse in 0..<n {
                guard let bytes = replica.map[key(sku, warehouse)] else { continue }
                let pair = bytes.withUnsafeBytes { $0.loadUnaligned(as: (Int64, Int64).self) }
                total += Int(pair.0 - pair.1)
            }
            return total
        }

        var round = 0
        let wallSeconds = ScenarioSupport.timed {
            while round < 200 {
                round += 1
                if round <= activeRounds {
                    for warehouse in 0..<n {
                        for _ in 0..<5 {
                            let sku = rng.nextIndex(below: skus)
                            let restock = rng.nextIndex(below: 3) == 0
                            let amount = restock ? 5 + rng.nextIndex(below: 20) : 1 + rng.nextIndex(below: 3)
                            var totals = own[warehouse][sku] ?? (0, 0)
                            if restock { totals.0 += amount } else { totals.1 += amount }
                            own[warehouse][sku] = totals
                            trueStock[sku] += restock ? amount : -amount
                            let stamp = clocks[warehouse].now(wallMilliseconds: UInt64(round) * 1_000)
                            replicas[warehouse].apply(
                                key(sku, warehouse), .init(value: encode(totals), timestamp: stamp))
                        }
                    }
                }
                for warehouse in 0..<n {
                    var peer = rng.nextIndex(below: n - 1)
                    if peer >= warehouse { peer += 1 }
                    if partitioned.contains(round) && (warehouse < n / 2) != (peer < n / 2) { continue }
                    var a = replicas[warehouse]
                    var b = replicas[peer]
                    let result = Replication.AntiEntropySession.synchronize(&a, &b)
                    replicas[warehouse] = a
                    replicas[peer] = b
                    bytes += result.bytes
                    fullBytes += Replication.AntiEntropySession.fullTransferBytes(a)
                    shipped += result.shippedToInitiator + result.shippedToResponder
                    syncs += 1
                }
                let roots = Dictionary(grouping: replicas.map(\.tree.root), by: { $0 }).values.map(\.count).max()!
                rootsAgreeing.append(Double(roots) / Double(n))
                if round > activeRounds && roots == n {
                    agreementRound = round
                    break
                }
            }
        }
        let agree = Set(replicas.map(\.tree.root)).count == 1
        let exact = (0..<skus).allSatisfy { stock(replicas[0], sku: $0) == trueStock[$0] }
        let story = [
            "\(n) warehouses share a ledger of \(skus) SKUs. For \(activeRounds) rounds each sells and restocks five SKUs a round, writing only its own entry per SKU.",
            "Each round every warehouse compares Merkle roots with a random other and ships only the entries that differ\(options.simulateFailures ? "; rounds 10 to 19 the network is split in two" : "").",
            "All ledgers agree \(agreementRound.map { "in round \($0), \($0 - activeRounds) rounds after the last sale" } ?? "— not within 200 rounds"); every SKU's stock equals the true sum of all sales and restocks: \(exact ? "yes" : "no").",
            "The exchanges moved \(ScenarioSupport.short(Double(bytes) / 1_048_576)) MiB where copying whole ledgers would have moved \(ScenarioSupport.short(Double(fullBytes) / 1_048_576)) MiB (\(ScenarioSupport.short(Double(fullBytes) / Double(max(bytes, 1))))× more).",
        ]
        let summary = ScenarioSummary(
            nodes: n, totalMessages: syncs * 4, convergenceSeconds: agreementRound.map(Double.init),
            convergenceRounds: agreementRound.map(Double.init), coveragePercent: agree ? 100 : 0,
            messageEfficiencyPercent: 100 * Double(shipped) / Double(max(shipped, 1)))
        let figures = [
            ScenarioFigure("keys repaired (entries shipped)", Double(shipped), unit: "entries"),
            ScenarioFigure("bytes exchanged", Double(bytes), unit: "bytes"),
            ScenarioFigure("bytes of full transfers instead", Double(fullBytes), unit: "bytes"),
            ScenarioFigure(
                "rounds to agree after the last sale", Double((agreementRound ?? 0) - activeRounds), unit: "rounds"),
        ]
        let invariants = [
            ScenarioInvariant("every warehouse's ledger agrees at the end", agree),
            ScenarioInvariant("every SKU's stock equals the true sum: nothing lost or counted twice", exact),
            ScenarioInvariant(
                "anti-entropy moves under half the bytes of full transfers, even while writes go on",
                bytes * 2 < fullBytes),
        ]
        var result = ScenarioResult(
            scenario: slug, setting: setting, options: options, story: story, summary: summary, figures: figures,
            invariants: invariants,
            timeline: Timeline(
                columns: ["round", "largest share of warehouses with the same root"],
                rows: rootsAgreeing.enumerated().map { [Double($0.offset + 1), $0.element] }),
            plots: [
                Plot(
                    title: "Warehouses whose ledgers agree (largest group with one Merkle root)", xLabel: "round",
                    yLabel: "share of warehouses",
                    series: [
                        Series(name: "agreeing", x: rootsAgreeing.indices.map { Double($0 + 1) }, y: rootsAgreeing)
                    ])
            ])
        result.benchmark = ScenarioSupport.benchmark(options, seconds: wallSeconds, messages: syncs * 4)
        return result
    }
}
