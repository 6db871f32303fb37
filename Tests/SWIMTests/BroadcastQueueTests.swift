import GossipCore
import SWIM
import Testing

@Suite("Transmit-limited broadcast queue")
struct BroadcastQueueTests {
    static func dead(_ node: String) -> SWIM.Message {
        .dead(SWIM.Dead(incarnation: 1, node: node, from: "x"))
    }

    @Test("a newer broadcast about a node replaces the older one")
    func replacement() {
        var queue = SWIM.BroadcastQueue()
        queue.enqueue(Self.dead("a"), key: "a", size: 10)
        queue.enqueue(.suspect(SWIM.Suspect(incarnation: 2, node: "a", from: "y")), key: "a", size: 12)
        #expect(queue.count == 1)
        let taken = queue.dequeue(overhead: 2, limit: 1000, transmitLimit: 4)
        #expect(taken == [.suspect(SWIM.Suspect(incarnation: 2, node: "a", from: "y"))])
    }

    @Test("fewest transmits first, then the largest, then the newest")
    func ordering() {
        var queue = SWIM.BroadcastQueue()
        queue.enqueue(Self.dead("small-old"), key: "small-old", size: 10)
        queue.enqueue(Self.dead("big"), key: "big", size: 30)
        queue.enqueue(Self.dead("small-new"), key: "small-new", size: 10)
        // Room for one message only: the largest goes first.
        #expect(queue.dequeue(overhead: 2, limit: 32, transmitLimit: 4) == [Self.dead("big")])
        // Now "big" has one transmit; the untransmitted ones come first, newest first among equal sizes.
        #expect(queue.dequeue(overhead: 2, limit: 12, transmitLimit: 4) == [Self.dead("small-new")])
        #expect(queue.dequeue(overhead: 2, limit: 12, transmitLimit: 4) == [Self.dead("small-old")])
        #expect(queue.dequeue(overhead: 2, limit: 32, transmitLimit: 4) == [Self.dead("big")])
    }

    @Test("the byte budget is never exceeded and smaller messages fill the rest")
    func budget() {
        var queue = SWIM.BroadcastQueue()
        for (index, size) in [100, 400, 700, 50, 900].enumerated() {
            queue.enqueue(Self.dead("n\(index)"), key: "n\(index)", size: size)
        }
        let taken = queue.dequeue(overhead: 2, limit: 1400, transmitLimit: 4)
        // 900 + 400 + 50 (+ 2 each) = 1356; 100 would exceed 1400.
        #expect(Set(taken) == [Self.dead("n4"), Self.dead("n1"), Self.dead("n3")])
    }

    @Test("a broadcast is dropped after its transmit limit")
    func transmitLimit() {
        var queue = SWIM.BroadcastQueue()
        queue.enqueue(Self.dead("a"), key: "a", size: 10)
        for _ in 0..<3 {
            #expect(queue.dequeue(overhead: 2, limit: 100, transmitLimit: 3).count == 1)
        }
        #expect(queue.isEmpty)
        #expect(queue.dequeue(overhead: 2, limit: 100, transmitLimit: 3).isEmpty)
    }

    @Test("encoded sizes match memberlist's MessagePack for the captured ping (67 bytes)")
    func sizing() {
        let ping = SWIM.Ping(
            target: "node2", sequenceNumber: 1, source: NodeAddress("127.0.0.1:7946"), sourceNode: "node1")
        #expect(SWIM.MessagePackSizing().encodedSize(of: .ping(ping)) == 67)
        #expect(SWIM.MessagePackSizing().encodedSize(of: .nack(SWIM.Nack(sequenceNumber: 17))) == 9)
    }
}

@Suite("Application broadcasts")
struct ApplicationBroadcastTests {
    @Test("application bytes ride after memberlist's broadcasts, up to the retransmit limit")
    func applicationBroadcasts() {
        var h = Harness()
        h.addPeers(3)  // n = 4: retransmit limit 4 × ceil(log10 5) = 4
        // Let memberlist's own alive broadcasts run out first.
        for _ in 0..<20 { _ = h.fire(.gossip) }
        _ = h.node.broadcast([3, 1, 2, 3], key: "event-1")
        var transmissions = 0
        for _ in 0..<10 {
            let sent = h.fire(.gossip).sentMessages
            transmissions += sent.filter { $0 == .user([3, 1, 2, 3]) }.count
        }
        #expect(transmissions == 4)
        // A newer broadcast under the same key replaces the older.
        _ = h.node.broadcast([3, 9], key: "event-2")
        _ = h.node.broadcast([3, 8], key: "event-2")
        let sent = h.fire(.gossip).sentMessages
        #expect(sent.contains(.user([3, 8])) && !sent.contains(.user([3, 9])))
        // And it is piggybacked on a probe as well.
        let piggybacked = h.fire(.probe).sentMessages
        #expect(piggybacked.contains(.user([3, 8])))
    }

    @Test("an idle node arms no gossip tick; a broadcast arms the next one on the tick's phase")
    func idleGossip() {
        var h = Harness()
        h.addPeers(3)
        // Gossip until memberlist's own broadcasts are spent: the last tick arms no further one.
        var armed: Instant? = h.now
        var ticks = 0
        while armed != nil, ticks < 100 {
            h.now = armed!
            armed = h.fire(.gossip).armed(.gossip)
            ticks += 1
        }
        #expect(armed == nil, "the queue never emptied")
        let lastTick = h.now
        // Long idle: a broadcast arms a tick at once (already due) …
        h.advance(.milliseconds(1_130))
        let resume = h.node.broadcast([3, 7], key: "event-3").armed(.gossip)
        #expect(resume != nil && resume! <= h.now)
        // … which sends nothing but re-arms on the phase: the next multiple of the interval after the last tick.
        let realigned = h.fire(.gossip)
        #expect(realigned.sentMessages.isEmpty)
        #expect(realigned.armed(.gossip) == lastTick + .milliseconds(1_200))
        // That tick sends the broadcast.
        h.now = lastTick + .milliseconds(1_200)
        #expect(h.fire(.gossip).sentMessages.contains(.user([3, 7])))
    }
}
