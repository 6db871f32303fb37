import Broadcast
import GossipCore
import Testing

@Suite("Plumtree's broadcast tree")
struct PlumtreeTests {
    typealias Tree = Broadcast.Plumtree<Int>

    /// Three nodes in a triangle (each the others' neighbour), messages delivered in order.
    struct Triangle {
        var nodes = (0..<3).map { Tree(me: $0) }
        var queue: [(Tree.Message, from: Int, to: Int)] = []
        var timers: [(Tree.Timer, node: Int, at: Instant)] = []
        var deliveries: [(node: Int, round: Int)] = []
        var now = Instant.zero

        init() {
            for a in 0..<3 { for b in 0..<3 where a != b { nodes[a].neighborUp(b) } }
        }

        mutating func take(_ effects: [Tree.Effect], from node: Int) {
            for effect in effects {
                switch effect {
                case .send(let message, let peer): queue.append((message, node, peer))
                case .arm(let timer, let instant): timers.append((timer, node, instant))
                case .deliver(_, let round, _): deliveries.append((node, round))
                }
            }
        }

        mutating func settle(dropping drop: ((Tree.Message, Int, Int) -> Bool)? = nil) {
            while !queue.isEmpty {
                let (message, sender, receiver) = queue.removeFirst()
                if drop?(message, sender, receiver) == true { continue }
                take(nodes[receiver].receive(message, from: sender, at: now), from: receiver)
            }
        }

        mutating func fireTimers(until end: Instant) {
            while let next = timers.enumerated().filter({ $0.element.at <= end }).min(by: {
                $0.element.at < $1.element.at
            }) {
                timers.remove(at: next.offset)
                now = next.element.at
                take(nodes[next.element.node].fire(next.element.0, at: now), from: next.element.node)
                settle()
            }
            now = end
        }
    }

    @Test("an announcement waiting for a neighbour that announced the same payload first is never sent")
    func announcementsCrossedAreWithdrawn() {
        // Node 0 has two lazy neighbours, 1 and 2, and receives a payload from 3: it queues announcements for 1
        // and 2. Node 1 announces the same payload before the batch goes, so only node 2 is told.
        var node = Tree(me: 0)
        for peer in [1, 2] {
            node.neighborUp(peer)
            _ = node.receive(.prune, from: peer, at: .zero)
        }
        let id = Tree.MessageID(origin: 3, sequence: 1)
        let accepted = node.receive(.gossip(id, round: 0, payload: [7]), from: 3, at: .zero)
        #expect(accepted.contains(.arm(.lazyFlush, at: .zero + .milliseconds(50))))
        #expect(node.receive(.ihave([.init(id: id, round: 1)]), from: 1, at: .zero + .milliseconds(10)).isEmpty)
        let batch = node.fire(.lazyFlush, at: .zero + .milliseconds(50))
        #expect(batch == [.send(.ihave([.init(id: id, round: 1)]), to: 2)])
        #expect(node.statistics.announcementsWithdrawn == 1)
        // A duplicate from a lazy neighbour withdraws it the same way.
        let second = Tree.MessageID(origin: 3, sequence: 2)
        _ = node.receive(.gossip(second, round: 0, payload: [8]), from: 3, at: .zero + .seconds(1))
        _ = node.receive(.gossip(second, round: 2, payload: [8]), from: 2, at: .zero + .seconds(1))
        let next = node.fire(.lazyFlush, at: .zero + .seconds(1) + .milliseconds(50))
        #expect(next == [.send(.ihave([.init(id: second, round: 1)]), to: 1)])
        #expect(node.statistics.announcementsWithdrawn == 2)
    }

    @Test("a first broadcast reaches everyone once; duplicates prune links; the second travels the tree alone")
    func duplicatesPruneTheTree() {
        var triangle = Triangle()
        let (id, effects) = triangle.nodes[0].broadcast([1, 2, 3], at: .zero)
        #expect(id != nil)
        triangle.take(effects, from: 0)
        triangle.settle()
        #expect(triangle.deliveries.map(\.node).sorted() == [0, 1, 2])
        let prunes = triangle.nodes.map(\.statistics.prunes).reduce(0, +)
        #expect(prunes >= 1)
        // The eager links left form a tree: two links among three nodes, seen from both ends.
        let eagerLinks = triangle.nodes.map(\.eagerPeers.count).reduce(0, +)
        #expect(eagerLinks == 4)
        triangle.fireTimers(until: .zero + .seconds(1))
        let sentBefore = triangle.nodes.map(\.statistics.payloadsSent).reduce(0, +)
        triangle.deliveries = []
        triangle.take(triangle.nodes[0].broadcast([4], at: triangle.now).effects, from: 0)
        triangle.settle()
        triangle.fireTimers(until: triangle.now + .seconds(1))
        #expect(triangle.deliveries.map(\.node).sorted() == [0, 1, 2])
        // Exactly one payload per node reached: no redundancy on a tree.
        #expect(triangle.nodes.map(\.statistics.payloadsSent).reduce(0, +) - sentBefore == 2)
        #expect(triangle.nodes.allSatisfy { $0.statistics.grafts == 0 })
    }

    @Test("a pruned branch is grafted back when its payload does not come: the announcement brings it")
    func graftRepairsAPrunedBranch() {
        var triangle = Triangle()
        triangle.take(triangle.nodes[0].broadcast([1], at: .zero).effects, from: 0)
        triangle.settle()
        triangle.fireTimers(until: .zero + .seconds(1))
        // The tree is 0–1 and 0–2 (1–2 was pruned). The payload on 0 → 1 is lost: 2 delivers, and only
        // announces it to 1 over their lazy link.
        #expect(triangle.nodes[0].eagerPeers.sorted() == [1, 2] && triangle.nodes[1].lazyPeers == [2])
        triangle.deliveries = []
        let (id, effects) = triangle.nodes[0].broadcast([9], at: triangle.now)
        triangle.take(effects, from: 0)
        triangle.settle { message, sender, receiver in
            if case .gossip = message { sender == 0 && receiver == 1 } else { false }
        }
        #expect(triangle.deliveries.map(\.node).sorted() == [0, 2])
        // The missing timer fires, a graft asks the announcer, and the payload comes with it.
        triangle.fireTimers(until: triangle.now + .seconds(2))
        #expect(triangle.deliveries.map(\.node).sorted() == [0, 1, 2])
        #expect(triangle.nodes.map(\.statistics.grafts).reduce(0, +) >= 1)
        #expect(triangle.nodes[1].hasDelivered(id!) && triangle.nodes[2].hasDelivered(id!))
        // The link the graft used is eager now: the branch is back in the tree.
        #expect(triangle.nodes[1].eagerPeers.contains(2))
    }

    @Test("a neighbour that goes away leaves both sets; a graft for an unknown payload is dropped and counted")
    func neighbourDownAndBadGraft() {
        var tree = Tree(me: 0)
        tree.neighborUp(1)
        tree.neighborUp(2)
        _ = tree.receive(.prune, from: 2, at: .zero)
        #expect(tree.eagerPeers == [1] && tree.lazyPeers == [2])
        tree.neighborDown(2)
        #expect(tree.lazyPeers.isEmpty)
        let unknown = Tree.MessageID(origin: 5, sequence: 1)
        #expect(tree.receive(.graft(unknown, round: 1), from: 1, at: .zero).isEmpty)
        #expect(tree.statistics.dropped == 1)
        #expect(tree.receive(.prune, from: 0, at: .zero).isEmpty)
        #expect(tree.statistics.dropped == 2)
        #expect(tree.broadcast([UInt8](repeating: 0, count: 70_000), at: .zero).id == nil)
    }

    @Test("a graft whose answer is lost is sent again, the announcers in turn, until the limit")
    func graftsRetried() {
        var configuration = Tree.Configuration()
        configuration.maximumGrafts = 4
        var tree = Tree(me: 0, configuration: configuration)
        tree.neighborUp(1)
        tree.neighborUp(2)
        let id = Tree.MessageID(origin: 9, sequence: 1)
        _ = tree.receive(.ihave([.init(id: id, round: 2)]), from: 1, at: .zero)
        _ = tree.receive(.ihave([.init(id: id, round: 3)]), from: 2, at: .zero)
        var asked: [Int] = []
        var now = Instant.zero
        for _ in 0..<6 {
            now = now + .seconds(1)
            for case .send(.graft(id, _), let peer) in tree.fire(.missing(id), at: now) { asked.append(peer) }
        }
        #expect(asked == [1, 2, 1, 2])
        #expect(tree.statistics.grafts == 4)
    }
}
