import Broadcast
import GossipCore
import Testing

/// A tiny network of HyParView values: messages delivered in order, instantly, failures reported to senders.
struct Overlay {
    typealias View = Broadcast.HyParView<Int>
    var nodes: [View]
    var alive: [Bool]
    var rng = SeededRandom(seed: 7)
    var now = Instant.zero
    var queue: [(View.Message, from: Int, to: Int)] = []
    var timers: [(View.Timer, node: Int, at: Instant)] = []

    init(count: Int, configuration: View.Configuration = .init()) {
        nodes = (0..<count).map { View(me: $0, configuration: configuration) }
        alive = Array(repeating: true, count: count)
        for index in 0..<count { take(nodes[index].start(at: now, using: &rng), from: index) }
    }

    mutating func take(_ effects: [View.Effect], from node: Int) {
        for effect in effects {
            switch effect {
            case .send(let message, let peer): queue.append((message, node, peer))
            case .arm(let timer, let instant): timers.append((timer, node, instant))
            case .neighborUp, .neighborDown: break
            }
        }
    }

    /// Delivers every queued message (and what it causes); a send to a failed node is reported to its sender.
    mutating func settle() {
        while !queue.isEmpty {
            let (message, sender, receiver) = queue.removeFirst()
            if alive[receiver] {
                take(nodes[receiver].receive(message, from: sender, at: now, using: &rng), from: receiver)
            } else if alive[sender] {
                take(nodes[sender].peerFailed(receiver, at: now, using: &rng), from: sender)
            }
        }
    }

    /// Each node joins through a random earlier one.
    mutating func build() {
        for index in 1..<nodes.count {
            take(nodes[index].join(through: Int.random(in: 0..<index, using: &rng)), from: index)
            settle()
        }
    }

    /// Advances time by `duration`, firing the timers due (shuffles, neighbour timeouts) in order.
    mutating func run(for duration: Duration) {
        let end = now + duration
        while let next = timers.enumerated().filter({ $0.element.at <= end }).min(by: { $0.element.at < $1.element.at })
        {
            timers.remove(at: next.offset)
            now = next.element.at
            let (timer, node, _) = next.element
            guard alive[node] else { continue }
            take(nodes[node].fire(timer, at: now, using: &rng), from: node)
            settle()
        }
        now = end
    }

    func symmetric() -> Bool {
        nodes.indices.allSatisfy { index in
            !alive[index]
                || nodes[index].activeView.allSatisfy { !alive[$0] || nodes[$0].isNeighbor(index) }
        }
    }

    /// Nodes reachable over active links from `start` among the live ones.
    func reachable(from start: Int) -> Int {
        var seen: Set<Int> = [start]
        var frontier = [start]
        while let node = frontier.popLast() {
            for neighbor in nodes[node].activeView where alive[neighbor] && seen.insert(neighbor).inserted {
                frontier.append(neighbor)
            }
        }
        return seen.count
    }
}

@Suite("HyParView's overlay")
struct HyParViewTests {
    @Test("after 200 joins and shuffles every view is within its bounds, every link symmetric, the overlay connected")
    func joinsBuildABoundedSymmetricOverlay() {
        var overlay = Overlay(count: 200)
        overlay.build()
        overlay.run(for: .seconds(60))
        let configuration = Broadcast.HyParView<Int>.Configuration()
        for node in overlay.nodes {
            #expect(node.activeView.count <= configuration.activeCapacity)
            #expect(node.passiveView.count <= configuration.passiveCapacity)
            #expect(!node.activeView.contains(node.me) && !node.passiveView.contains(node.me))
            #expect(Set(node.activeView).isDisjoint(with: node.passiveView))
            #expect(node.activeView.count >= 1)
        }
        #expect(overlay.symmetric())
        #expect(overlay.reachable(from: 0) == 200)
        // Shuffles filled the passive views.
        let meanPassive = Double(overlay.nodes.map(\.passiveView.count).reduce(0, +)) / 200
        #expect(meanPassive > 20, "mean passive view \(meanPassive)")
    }

    @Test("a crashed neighbour is replaced from the passive view, and the links stay symmetric")
    func crashedNeighbourIsReplaced() {
        var overlay = Overlay(count: 60)
        overlay.build()
        overlay.run(for: .seconds(30))
        let victim = overlay.nodes[10].activeView[0]
        let before = overlay.nodes[10].activeView.count
        overlay.alive[victim] = false
        // Node 10 finds out the way a broken connection tells it.
        overlay.take(overlay.nodes[10].peerFailed(victim, at: overlay.now, using: &overlay.rng), from: 10)
        overlay.settle()
        overlay.run(for: .seconds(5))
        #expect(!overlay.nodes[10].activeView.contains(victim))
        #expect(!overlay.nodes[10].passiveView.contains(victim))
        #expect(overlay.nodes[10].activeView.count >= before)
        #expect(overlay.nodes[10].statistics.failures == 1)
        #expect(overlay.nodes[10].statistics.neighborRequests >= 1)
        #expect(overlay.symmetric())
    }

    @Test("a node left without neighbours asks urgently, and an urgent request is never refused")
    func urgentRequestIsAccepted() {
        var rng = SeededRandom(seed: 1)
        var configuration = Broadcast.HyParView<Int>.Configuration()
        configuration.activeCapacity = 1
        var full = Broadcast.HyParView(me: 1, configuration: configuration)
        _ = full.receive(.join, from: 2, at: .zero, using: &rng)
        #expect(full.activeView == [2])
        // A polite request is refused when full …
        let polite = full.receive(.neighbor(urgent: false), from: 3, at: .zero, using: &rng)
        #expect(polite.contains(.send(.neighborReply(accepted: false), to: 3)))
        #expect(full.activeView == [2] && full.passiveView.contains(3))
        // … an urgent one is taken, dropping a neighbour, which is told.
        let urgent = full.receive(.neighbor(urgent: true), from: 3, at: .zero, using: &rng)
        #expect(urgent.contains(.send(.neighborReply(accepted: true), to: 3)))
        #expect(urgent.contains(.send(.disconnect, to: 2)))
        #expect(full.activeView == [3] && full.passiveView.contains(2))
    }

    @Test("messages from itself, walks longer than allowed and oversized samples are dropped and counted")
    func badInputIsDropped() {
        var rng = SeededRandom(seed: 1)
        var node = Broadcast.HyParView<Int>(me: 1)
        #expect(node.receive(.join, from: 1, at: .zero, using: &rng).isEmpty)
        #expect(node.receive(.forwardJoin(node: 5, ttl: 99), from: 2, at: .zero, using: &rng).isEmpty)
        #expect(node.receive(.forwardJoin(node: 1, ttl: 3), from: 2, at: .zero, using: &rng).isEmpty)
        #expect(
            node.receive(.shuffle(origin: 4, ttl: 2, sample: Array(10..<40)), from: 2, at: .zero, using: &rng)
                .isEmpty)
        #expect(node.receive(.shuffleReply(sample: Array(10..<40)), from: 2, at: .zero, using: &rng).isEmpty)
        #expect(node.statistics.dropped == 5)
        #expect(node.activeView.isEmpty && node.passiveView.isEmpty)
    }
}
