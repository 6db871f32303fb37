import Dissemination
import Foundation
import GossipCore

/// The large-scale kernel for the SI epidemic on a complete graph in synchronous rounds: push, pull and push-pull
/// as analysed by Pittel (1987) and Karp et al. (2000), for 10³ to 10⁸ nodes.
///
/// The model is the textbook one: every round each node calls one uniformly random other node; with push an
/// informed caller sends the update, with pull an uninformed caller receives it from an informed callee; push-pull
/// does both. Every state change takes effect at the end of the round.
///
/// Per-node state is two bits: who was informed at the start of the round, and who is informed at its end, both as
/// bit sets (`n / 4` bytes in all, 0.25 bytes a node). Random peers come from a seeded `SeededRandom`.
public struct SpreadKernel: Sendable {
    /// What a run produced.
    public struct Outcome: Sendable, Hashable, Codable {
        /// Nodes.
        public var nodes: Int
        /// Rounds until every node was informed.
        public var rounds: Int
        /// Contacts that carried the update (every push, and every pull that found an informed callee).
        public var deliveries: Int
        /// Informed nodes at the end of each round; element 0 is the start (one node).
        public var informedAfterRound: [Int]
    }

    /// Nodes in the complete graph, at least 2.
    public let nodes: Int
    /// Push, pull or push-pull.
    public let mode: Dissemination.Mode

    /// A kernel for `nodes` nodes (at least 2) spreading by `mode`.
    public init(nodes: Int, mode: Dissemination.Mode) {
        precondition(nodes >= 2, "a spread needs at least two nodes")
        self.nodes = nodes
        self.mode = mode
    }

    /// Bytes of per-node state the kernel allocates for a run (two bit sets).
    public var stateBytes: Int { 2 * 8 * ((nodes + 63) / 64) }

    /// Runs one spread from one random node until everyone is informed (or `maxRounds` pass).
    public func run(seed: UInt64, maxRounds: Int = 10_000) -> Outcome {
        var rng = SeededRandom(seed: seed)
        let wordCount = (nodes + 63) / 64
        var start = [UInt64](repeating: 0, count: wordCount)
        var end = [UInt64](repeating: 0, count: wordCount)
        let first = rng.nextIndex(below: nodes)
        start[first >> 6] |= 1 << UInt64(first & 63)
        var informed = 1
        var deliveries = 0
        var timeline = [1]
        var rounds = 0
        let n = nodes
        let pushes = mode.pushes
        let pulls = mode.pulls
        while informed < n && rounds < maxRounds {
            rounds += 1
            start.withUnsafeMutableBufferPointer { startWords in
                end.withUnsafeMutableBufferPointer { endWords in
                    for word in 0..<wordCount { endWords[word] = startWords[word] }
                    deliveries += Self.round(
                        n: n, pushes: pushes, pulls: pulls, informed: informed,
                        start: UnsafeBufferPointer(startWords), end: endWords, rng: &rng)
                    informed = 0
                    for word in 0..<wordCount { informed += endWords[word].nonzeroBitCount }
                }
            }
            // The end of this round is the start of the next.
            swap(&start, &end)
            timeline.append(informed)
        }
        return Outcome(nodes: n, rounds: rounds, deliveries: deliveries, informedAfterRound: timeline)
    }

    /// One round: every node calls one random other node. Reads `start`, writes `end`, returns the deliveries.
    @inline(__always)
    private static func round(
        n: Int, pushes: Bool, pulls: Bool, informed: Int, start: UnsafeBufferPointer<UInt64>,
        end: UnsafeMutableBufferPointer<UInt64>, rng: inout SeededRandom
    ) -> Int {
        var deliveries = 0
        if pushes { deliveries += push(n: n, start: start, end: end, rng: &rng) }
        if pulls {
            let success = Double(informed) / Double(n - 1)
            if success < 0.25 {
                deliveries += sparsePull(n: n, success: success, start: start, end: end, rng: &rng)
            } else {
                deliveries += densePull(n: n, start: start, end: end, rng: &rng)
            }
        }
        return deliveries
    }

    /// Every informed node sends to one random other node.
    @inline(__always)
    private static func push(
        n: Int, start: UnsafeBufferPointer<UInt64>, end: UnsafeMutableBufferPointer<UInt64>, rng: inout SeededRandom
    ) -> Int {
        var deliveries = 0
        let others = UInt64(n - 1)
        for word in 0..<start.count {
            var callers = start[word]
            while callers != 0 {
                let node = word << 6 | callers.trailingZeroBitCount
                callers &= callers - 1
                var callee = Int(draw(below: others, &rng))
                if callee >= node { callee += 1 }
                end[callee >> 6] |= 1 << UInt64(callee & 63)
                deliveries += 1
            }
        }
        return deliveries
    }

    /// Every uninformed node calls one random other node and learns the update if the callee knew it.
    @inline(__always)
    private static func densePull(
        n: Int, start: UnsafeBufferPointer<UInt64>, end: UnsafeMutableBufferPointer<UInt64>, rng: inout SeededRandom
    ) -> Int {
        var deliveries = 0
        let others = UInt64(n - 1)
        for word in 0..<start.count {
            var callers = ~start[word] & validBits(word: word, n: n)
            while callers != 0 {
                let bit = callers.trailingZeroBitCount
                callers &= callers - 1
                let node = word << 6 | bit
                var callee = Int(draw(below: others, &rng))
                if callee >= node { callee += 1 }
                if start[callee >> 6] & (1 << UInt64(callee & 63)) != 0 {
                    end[word] |= 1 << UInt64(bit)
                    deliveries += 1
                }
            }
        }
        return deliveries
    }

    /// The same pull while few nodes are informed. On the complete graph an uninformed caller's callee is informed
    /// with probability `informed / (n − 1)`, independently of every other caller, so the successful callers are
    /// drawn directly, by geometric skips over the uninformed nodes: the same distribution as drawing every
    /// callee, with work proportional to the successes instead of to the callers.
    @inline(__always)
    private static func sparsePull(
        n: Int, success: Double, start: UnsafeBufferPointer<UInt64>, end: UnsafeMutableBufferPointer<UInt64>,
        rng: inout SeededRandom
    ) -> Int {
        guard success > 0 else { return 0 }
        var deliveries = 0
        let logFailure = log1p(-success)
        var skip = geometricSkip(logFailure: logFailure, &rng)
        for word in 0..<start.count {
            var callers = ~start[word] & validBits(word: word, n: n)
            var available = callers.nonzeroBitCount
            while skip < available {
                // Drop the `skip` lowest callers, take the next one.
                for _ in 0..<skip { callers &= callers - 1 }
                let bit = callers.trailingZeroBitCount
                callers &= callers - 1
                end[word] |= 1 << UInt64(bit)
                deliveries += 1
                available -= skip + 1
                skip = geometricSkip(logFailure: logFailure, &rng)
            }
            skip -= available
        }
        return deliveries
    }

    /// The bits of `word` that stand for nodes (the last word may be partial).
    @inline(__always)
    private static func validBits(word: Int, n: Int) -> UInt64 {
        let first = word << 6
        return n - first >= 64 ? .max : (1 << UInt64(n - first)) - 1
    }

    /// Failures before the next success of a Bernoulli trial with `log(1 − p)` = `logFailure`.
    @inline(__always)
    private static func geometricSkip(logFailure: Double, _ rng: inout SeededRandom) -> Int {
        let uniform = Double(rng.next() >> 11 + 1) * 0x1.0p-53  // in (0, 1]
        let skip = (log(uniform) / logFailure).rounded(.down)
        return skip >= Double(Int.max / 2) ? Int.max / 2 : Int(skip)
    }

    /// A uniform integer below `bound` (Lemire's multiply-shift; the rejection step keeps it exact).
    @inline(__always)
    private static func draw(below bound: UInt64, _ rng: inout SeededRandom) -> UInt64 {
        var product = rng.next().multipliedFullWidth(by: bound)
        if product.low < bound {
            let threshold = (0 &- bound) % bound
            while product.low < threshold { product = rng.next().multipliedFullWidth(by: bound) }
        }
        return product.high
    }
}
