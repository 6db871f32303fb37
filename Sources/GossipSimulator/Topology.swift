import Foundation
import GossipCore

/// Who may talk to whom: the peer graph a simulation draws its contacts from.
public enum Topology: Sendable, Hashable, Codable, CustomStringConvertible {
    /// Everyone knows everyone (memberlist's full membership view).
    case complete
    /// A random graph in which every node has `degree` neighbours (configuration model; self-loops and repeated
    /// edges are re-drawn a few times, then dropped, so a handful of nodes may end one short).
    case randomRegular(degree: Int)
    /// HyParView-like partial views: every node keeps a small symmetric active view of about `viewSize` peers,
    /// built by random joins, and gossips only within it.
    case partialView(viewSize: Int)
    /// Nodes scattered uniformly on the unit square, each linked to its `neighbours` nearest (made symmetric):
    /// peers chosen by distance, as cab drivers in a city.
    case geometric(neighbours: Int)
    /// `zones` zones of equal size, complete inside a zone; a contact leaves its zone with probability
    /// `crossZoneProbability` (to a uniformly random node of another zone).
    case zones(count: Int, crossZoneProbability: Double)

    /// `complete`, `regular(8)`, `partial-view(6)`, `geometric(8)`, `zones(10, 0.05)`.
    public var description: String {
        switch self {
        case .complete: return "complete"
        case .randomRegular(let degree): return "regular(\(degree))"
        case .partialView(let size): return "partial-view(\(size))"
        case .geometric(let neighbours): return "geometric(\(neighbours))"
        case .zones(let count, let cross): return "zones(\(count), \(cross))"
        }
    }

    /// Parses `complete`, `regular:8`, `partial-view:6`, `geometric:8`, `zones:10:0.05`.
    public init?(argument: String) {
        let parts = argument.split(separator: ":").map(String.init)
        switch (parts.first, parts.count) {
        case ("complete", 1): self = .complete
        case ("regular", 2):
            guard let d = Int(parts[1]), d >= 1 else { return nil }
            self = .randomRegular(degree: d)
        case ("partial-view", 2):
            guard let v = Int(parts[1]), v >= 1 else { return nil }
            self = .partialView(viewSize: v)
        case ("geometric", 2):
            guard let k = Int(parts[1]), k >= 1 else { return nil }
            self = .geometric(neighbours: k)
        case ("zones", 3):
            guard let z = Int(parts[1]), z >= 1, let p = Double(parts[2]), (0...1).contains(p) else { return nil }
            self = .zones(count: z, crossZoneProbability: p)
        default: return nil
        }
    }
}

/// A topology made concrete for `n` nodes: adjacency in compressed rows (4 bytes a link), or nothing at all for
/// the complete graph and zones, whose peers are drawn by arithmetic.
public struct PeerGraph: Sendable {
    /// The topology this graph realises.
    public let topology: Topology
    /// Nodes.
    public let nodeCount: Int
    /// Where each node's neighbours start in `neighbours` (n + 1 entries), for explicit graphs.
    public let offsets: [Int32]
    /// Every node's neighbours, back to back.
    public let neighbours: [Int32]
    /// Positions on the unit square, for geometric graphs (x, y interleaved).
    public let positions: [Float]

    /// Builds the graph for `nodeCount` nodes; randomness from `seed`.
    public init(_ topology: Topology, nodeCount: Int, seed: UInt64) {
        self.topology = topology
        self.nodeCount = nodeCount
        var rng = SeededRandom(seed: seed, stream: 0x70_70_6f)
        var positions: [Float] = []
        var lists: [[Int32]]?
        switch topology {
        case .complete, .zones:
            lists = nil
        case .randomRegular(let degree):
            lists = Self.randomRegular(n: nodeCount, degree: degree, rng: &rng)
        case .partialView(let viewSize):
            lists = Self.partialViews(n: nodeCount, viewSize: viewSize, rng: &rng)
        case .geometric(let k):
            positions = (0..<(2 * nodeCount)).map { _ in Float(rng.nextUnitDouble()) }
            lists = Self.nearest(n: nodeCount, k: k, positions: positions)
        }
        self.positions = positions
        if let lists {
            var offsets = [Int32](repeating: 0, count: nodeCount + 1)
            for node in 0..<nodeCount { offsets[node + 1] = offsets[node] + Int32(lists[node].count) }
            self.offsets = offsets
            self.neighbours = lists.flatMap { $0 }
        } else {
            self.offsets = []
            self.neighbours = []
        }
    }

    /// The number of peers `node` may contact.
    public func degree(of node: Int) -> Int {
        switch topology {
        case .complete: return nodeCount - 1
        case .zones: return nodeCount - 1
        default: return Int(offsets[node + 1] - offsets[node])
        }
    }

    /// The zone of `node` for the zones topology (0 otherwise).
    @inlinable
    public func zone(of node: Int) -> Int {
        guard case .zones(let count, _) = topology else { return 0 }
        return node * count / nodeCount
    }

    /// A random peer of `node`, or `nil` if it has none.
    @inlinable
    public func randomPeer(of node: Int, using rng: inout some RandomNumberGenerator) -> Int? {
        switch topology {
        case .complete:
            guard nodeCount > 1 else { return nil }
            let peer = rng.nextIndex(below: nodeCount - 1)
            return peer >= node ? peer + 1 : peer
        case .zones(let count, let crossProbability):
            let zone = zone(of: node)
            let zoneStart = (zone * nodeCount + count - 1) / count
            let zoneEnd = ((zone + 1) * nodeCount + count - 1) / count
            if count > 1 && rng.nextBool(probability: crossProbability) {
                let outside = nodeCount - (zoneEnd - zoneStart)
                guard outside > 0 else { return nil }
                let pick = rng.nextIndex(below: outside)
                return pick < zoneStart ? pick : pick + (zoneEnd - zoneStart)
            }
            let size = zoneEnd - zoneStart
            guard size > 1 else { return nil }
            let peer = zoneStart + rng.nextIndex(below: size - 1)
            return peer >= node ? peer + 1 : peer
        default:
            let start = Int(offsets[node])
            let count = Int(offsets[node + 1]) - start
            guard count > 0 else { return nil }
            return Int(neighbours[start + rng.nextIndex(below: count)])
        }
    }

    private static func randomRegular(n: Int, degree: Int, rng: inout SeededRandom) -> [[Int32]] {
        var stubs = [Int32]()
        stubs.reserveCapacity(n * degree)
        for node in 0..<n { for _ in 0..<degree { stubs.append(Int32(node)) } }
        stubs.shuffle(using: &rng)
        var lists = [[Int32]](repeating: [], count: n)
        var index = 0
        while index + 1 < stubs.count {
            var a = stubs[index]
            var b = stubs[index + 1]
            var attempts = 0
            while (a == b || lists[Int(a)].contains(b)) && attempts < 8 && index + 2 < stubs.count {
                let swapWith = index + 2 + rng.nextIndex(below: stubs.count - index - 2)
                stubs.swapAt(index + 1, swapWith)
                a = stubs[index]
                b = stubs[index + 1]
                attempts += 1
            }
            if a != b && !lists[Int(a)].contains(b) {
                lists[Int(a)].append(b)
                lists[Int(b)].append(a)
            }
            index += 2
        }
        return lists
    }

    private static func partialViews(n: Int, viewSize: Int, rng: inout SeededRandom) -> [[Int32]] {
        // Nodes join one by one through a random contact already in the overlay; the newcomer links to the contact
        // and to random members of the contact's neighbourhood walk, keeping views symmetric and bounded: a full
        // view drops a random peer (which drops the newcomer's side as well), as HyParView's active view does,
        // unless that peer's own view is already thin.
        var lists = [[Int32]](repeating: [], count: n)
        func link(_ a: Int, _ b: Int) {
            guard a != b, !lists[a].contains(Int32(b)) else { return }
            for (node, other) in [(a, b), (b, a)] where lists[node].count >= viewSize + 1 {
                let victimIndex = rng.nextIndex(below: lists[node].count)
                let victim = Int(lists[node][victimIndex])
                // A peer with a thin view of its own is kept, so that eviction never strands a node.
                guard victim != other, lists[victim].count > (viewSize + 1) / 2 else { continue }
                lists[node].remove(at: victimIndex)
                lists[victim].removeAll { $0 == Int32(node) }
            }
            lists[a].append(Int32(b))
            lists[b].append(Int32(a))
        }
        for node in 1..<max(n, 1) {
            var contact = rng.nextIndex(below: node)
            link(node, contact)
            for _ in 1..<max(viewSize, 1) {
                // A short random walk from the contact finds more peers.
                for _ in 0..<3 {
                    guard !lists[contact].isEmpty else { break }
                    contact = Int(lists[contact][rng.nextIndex(below: lists[contact].count)])
                }
                link(node, contact)
            }
        }
        return lists
    }

    private static func nearest(n: Int, k: Int, positions: [Float]) -> [[Int32]] {
        // A grid of cells of about k nodes each; search rings of cells until the k nearest are certain.
        let cellsPerSide = max(1, Int((Double(n) / Double(max(k, 1))).squareRoot()))
        var cells = [[Int32]](repeating: [], count: cellsPerSide * cellsPerSide)
        func cell(_ value: Float) -> Int { min(cellsPerSide - 1, Int(value * Float(cellsPerSide))) }
        for node in 0..<n {
            cells[cell(positions[2 * node + 1]) * cellsPerSide + cell(positions[2 * node])].append(Int32(node))
        }
        var lists = [[Int32]](repeating: [], count: n)
        let wanted = min(k, n - 1)
        for node in 0..<n {
            let x = positions[2 * node]
            let y = positions[2 * node + 1]
            let cx = cell(x)
            let cy = cell(y)
            var candidates: [(Float, Int32)] = []
            var ring = 0
            while true {
                for gy in (cy - ring)...(cy + ring) where gy >= 0 && gy < cellsPerSide {
                    for gx in (cx - ring)...(cx + ring) where gx >= 0 && gx < cellsPerSide {
                        guard abs(gx - cx) == ring || abs(gy - cy) == ring else { continue }
                        for other in cells[gy * cellsPerSide + gx] where Int(other) != node {
                            let dx = positions[2 * Int(other)] - x
                            let dy = positions[2 * Int(other) + 1] - y
                            candidates.append((dx * dx + dy * dy, other))
                        }
                    }
                }
                // Everything within `ring` cells is seen; the k-th nearest is certain once it lies within that.
                let reach = Float(ring) / Float(cellsPerSide)
                if candidates.count >= wanted {
                    candidates.sort { $0.0 < $1.0 }
                    if candidates[wanted - 1].0 <= reach * reach || ring >= cellsPerSide { break }
                } else if ring >= cellsPerSide {
                    break
                }
                ring += 1
            }
            for (_, other) in candidates.prefix(wanted) {
                if !lists[node].contains(other) { lists[node].append(other) }
                if !lists[Int(other)].contains(Int32(node)) { lists[Int(other)].append(Int32(node)) }
            }
        }
        return lists
    }
}
