import Broadcast
import GossipCore
import GossipTestKit

extension BroadcastSimulation.Engine {
    /// Node `index` is up from `instant` (a fixed overlay's node: nothing to start).
    mutating func markUp(_ index: Int, at instant: Instant) {
        alive[index] = true
        joinedAt[index] = instant
        liveCount += 1
        started = max(started, index + 1)
    }

    /// Node `index` is up from `instant` and arms its overlay's shuffles.
    mutating func bringUp(_ index: Int, at instant: Instant) {
        markUp(index, at: instant)
        step(index) { node, generator in node.start(at: instant, using: &generator) }
    }

    /// Node `index` crashes: each neighbour's connection to it breaks, which it hears a round trip later.
    mutating func crash(_ index: Int, at instant: Instant) {
        guard alive[index] else { return }
        alive[index] = false
        liveCount -= 1
        for neighbor in neighbors(of: index) where alive[neighbor] {
            let delay = latency(index, neighbor)
            scheduler.schedule(.unreachable(index, by: neighbor), at: instant + delay + delay)
        }
    }

    /// Node `index`'s overlay neighbours: HyParView's active view, or its fixed ones (none are listed on the
    /// complete graph, where everyone is a neighbour).
    func neighbors(of index: Int) -> [Int] {
        configuration.topology == .hyparview
            ? nodes[index].overlay.activeView : (fixedNeighbors.isEmpty ? [] : fixedNeighbors[index])
    }

    /// A second of churn: a share of the live nodes crash, and as many new ones join through random live nodes.
    mutating func churn(at now: Instant) {
        let expected = Double(liveCount) * configuration.churn
        var count = Int(expected)
        if Double.random(in: 0..<1, using: &rng) < expected - Double(count) { count += 1 }
        for _ in 0..<count {
            guard let victim = randomLive() else { break }
            crash(victim, at: now)
        }
        for _ in 0..<count where started < nodes.count {
            guard let contact = randomLive() else { break }
            let newcomer = started
            bringUp(newcomer, at: now)
            apply(nodes[newcomer].join(through: contact), of: newcomer)
            churned += 1
        }
    }

    /// A random live node, or `nil` when none is.
    mutating func randomLive() -> Int? {
        guard liveCount > 0 else { return nil }
        for _ in 0..<64 {
            let candidate = Int.random(in: 0..<started, using: &rng)
            if alive[candidate] { return candidate }
        }
        return (0..<started).first { alive[$0] }
    }

    /// The overlay among the live nodes now: their mean count of live neighbours and the share of them in its
    /// largest connected part (links taken both ways).
    func sample(at now: Instant) -> BroadcastSimulation.OverlaySample {
        let seconds = (now - failedAt).secondsValue
        guard configuration.topology != .complete else {
            return .init(
                seconds: seconds, liveNodes: liveCount, meanNeighbors: Double(max(0, liveCount - 1)),
                connectedShare: liveCount > 0 ? 1 : 0)
        }
        var parent = Array(0..<started)
        func root(_ node: Int) -> Int {
            var node = node
            while parent[node] != node {
                parent[node] = parent[parent[node]]
                node = parent[node]
            }
            return node
        }
        var links = 0
        for node in 0..<started where alive[node] {
            for neighbor in neighbors(of: node) where alive[neighbor] {
                links += 1
                let (a, b) = (root(node), root(neighbor))
                if a != b { parent[a] = b }
            }
        }
        var sizes: [Int: Int] = [:]
        for node in 0..<started where alive[node] { sizes[root(node), default: 0] += 1 }
        let largest = sizes.values.max() ?? 0
        return .init(
            seconds: seconds, liveNodes: liveCount, meanNeighbors: Double(links) / Double(max(1, liveCount)),
            connectedShare: Double(largest) / Double(max(1, liveCount)))
    }

    /// A random graph of `nodes` nodes with about `degree` neighbours each: the union of `degree / 2` random
    /// cycles through every node, a repeated edge kept once.
    static func regularGraph(nodes: Int, degree: Int, using rng: inout SeededRandom) -> [[Int]] {
        var neighbors = Array(repeating: [Int](), count: nodes)
        for _ in 0..<(degree / 2) {
            var cycle = Array(0..<nodes)
            cycle.shuffle(using: &rng)
            for position in 0..<nodes {
                let (a, b) = (cycle[position], cycle[(position + 1) % nodes])
                guard a != b, !neighbors[a].contains(b) else { continue }
                neighbors[a].append(b)
                neighbors[b].append(a)
            }
        }
        return neighbors
    }
}
