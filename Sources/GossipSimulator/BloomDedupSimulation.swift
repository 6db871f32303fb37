import Dissemination
import GossipCore

/// Many updates at once, with duplicate suppression by a Bloom filter at every node: each node forwards an update
/// once, to `fanout` random peers, the round after it first sees it, and remembers what it has seen in a Bloom
/// filter of a fixed size instead of an exact set. A false positive makes a node drop an update it never saw; the
/// engine counts them and compares their rate with the filter's formula.
public struct BloomDedupSimulation: Sendable {
    /// What to simulate.
    public struct Configuration: Sendable, Hashable, Codable {
        /// Nodes, at least 2.
        public var nodes: Int
        /// Updates injected, each at a random node.
        public var updates: Int
        /// Rounds over which the updates are injected (evenly).
        public var injectionRounds: Int = 10
        /// Peers each node forwards an update to.
        public var fanout: Int = 4
        /// Bits of each node's Bloom filter.
        public var bloomBits: Int = 4096
        /// Hash functions of each node's Bloom filter.
        public var bloomHashes: Int = 4
        /// The peer graph.
        public var topology: Topology = .complete
        /// Share of messages lost.
        public var lossRate: Double = 0

        /// A configuration with defaults for the rest.
        public init(nodes: Int, updates: Int) {
            self.nodes = nodes
            self.updates = updates
        }
    }

    /// What one run measured.
    public struct Outcome: Sendable, Hashable, Codable {
        /// Rounds until no update was in flight.
        public var rounds: Int
        /// Messages sent.
        public var messages: Int
        /// Deliveries of updates a node had not seen (each update once per node at most).
        public var deliveries: Int
        /// Copies of updates a node had seen, recognised and not forwarded again.
        public var duplicatesSuppressed: Int
        /// Updates a node had not seen but its filter claimed it had (dropped there).
        public var falsePositives: Int
        /// False positives over lookups of unseen updates during the run. Lower than the filters' own rate: an
        /// update whose bits happen to be covered is dropped at many nodes alike, so it spreads less and is looked
        /// up less often.
        public var falsePositiveRate: Double
        /// The filters' own rate at the end, probed with fresh random keys at up to 500 nodes (1,000 keys each):
        /// what the formula predicts.
        public var probedFalsePositiveRate: Double
        /// The formula `(1 − e^(−k·n/m))^k` for the probed filters, averaged.
        public var probedExpectedRate: Double
        /// The probed filters' rate given their actual fill, (bits set / m)^k, averaged: what probing should
        /// find whatever the keys (the formula is its expectation over random keys).
        public var probedFillRate: Double
        /// The formula's rate `(1 − e^(−k·i/m))^k`, averaged over the lookups (i = keys already in that filter).
        public var expectedFalsePositiveRate: Double
        /// Mean share of nodes each update reached.
        public var coverage: Double
        /// Bytes of Bloom filter per node.
        public var filterBytesPerNode: Int
    }

    /// The configuration.
    public let configuration: Configuration
    /// The peer graph.
    public let graph: PeerGraph

    /// An engine; the graph is built from `graphSeed`.
    public init(_ configuration: Configuration, graphSeed: UInt64 = 0) {
        precondition(configuration.nodes >= 2 && configuration.updates >= 1, "needs two nodes and one update")
        self.configuration = configuration
        self.graph = PeerGraph(configuration.topology, nodeCount: configuration.nodes, seed: graphSeed)
    }

    /// Runs once from `seed`.
    public func run(seed: UInt64) -> Outcome {
        let config = configuration
        var rng = SeededRandom(seed: seed)
        var filters = BloomFilterBank(count: config.nodes, bitCount: config.bloomBits, hashCount: config.bloomHashes)
        // Updates each node forwards next round, as (node, update) pairs.
        var forwardNext: [(Int32, Int32)] = []
        var reached = [Int](repeating: 0, count: config.updates)
        var outcome = Outcome(
            rounds: 0, messages: 0, deliveries: 0, duplicatesSuppressed: 0, falsePositives: 0, falsePositiveRate: 0,
            probedFalsePositiveRate: 0, probedExpectedRate: 0, probedFillRate: 0, expectedFalsePositiveRate: 0,
            coverage: 0, filterBytesPerNode: filters.bitCount / 8)
        // Which updates each node really saw (a bit per update), to tell false positives from true duplicates.
        let truthWords = (config.updates + 63) / 64
        var truth = [UInt64](repeating: 0, count: config.nodes * truthWords)
        var unseenLookups = 0
        var expectedSum = 0.0
        // Update identifiers as a real node would see them: random 64-bit message ids.
        let ids = (0..<config.updates).map { _ in rng.next() }
        let perRound = max(1, (config.updates + config.injectionRounds - 1) / config.injectionRounds)
        var injected = 0
        var round = 0

        func receive(_ update: Int, at node: Int) -> Bool {
            let key = ids[update]
            let word = node * truthWords + update >> 6
            let mask: UInt64 = 1 << UInt64(update & 63)
            if truth[word] & mask != 0 {
                outcome.duplicatesSuppressed += 1
                return false
            }
            unseenLookups += 1
            expectedSum += filters.expectedFalsePositiveRate(of: node)
            if filters.contains(key, in: node) {
                outcome.falsePositives += 1
                return false
            }
            filters.insert(key, into: node)
            truth[word] |= mask
            reached[update] += 1
            outcome.deliveries += 1
            return true
        }

        while injected < config.updates || !forwardNext.isEmpty {
            round += 1
            var forwardNow = forwardNext
            forwardNext = []
            for _ in 0..<perRound where injected < config.updates {
                let origin = rng.nextIndex(below: config.nodes)
                if receive(injected, at: origin) { forwardNow.append((Int32(origin), Int32(injected))) }
                injected += 1
            }
            for (node, update) in forwardNow {
                for _ in 0..<config.fanout {
                    guard let peer = graph.randomPeer(of: Int(node), using: &rng) else { break }
                    outcome.messages += 1
                    if config.lossRate > 0 && rng.nextBool(probability: config.lossRate) { continue }
                    if receive(Int(update), at: peer) { forwardNext.append((Int32(peer), update)) }
                }
            }
        }
        outcome.rounds = round
        outcome.falsePositiveRate = unseenLookups > 0 ? Double(outcome.falsePositives) / Double(unseenLookups) : 0
        outcome.expectedFalsePositiveRate = unseenLookups > 0 ? expectedSum / Double(unseenLookups) : 0
        let probedNodes = min(config.nodes, 500)
        var probedHits = 0
        var probedExpected = 0.0
        var probedFill = 0.0
        for index in 0..<probedNodes {
            let node = index * config.nodes / probedNodes
            probedExpected += filters.expectedFalsePositiveRate(of: node)
            probedFill += filters.currentFalsePositiveRate(of: node)
            for _ in 0..<1_000 where filters.contains(rng.next(), in: node) { probedHits += 1 }
        }
        outcome.probedFalsePositiveRate = Double(probedHits) / Double(probedNodes * 1_000)
        outcome.probedExpectedRate = probedExpected / Double(probedNodes)
        outcome.probedFillRate = probedFill / Double(probedNodes)
        outcome.coverage =
            reached.reduce(0) { $0 + Double($1) } / Double(config.updates) / Double(config.nodes)
        return outcome
    }
}
