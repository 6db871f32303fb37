import Serf
import Testing

@Suite("Intents, snapshots and query timeouts")
struct SerfIntentAndSnapshotTests {
    @Test("a stale intent is ignored; a newer one is taken and passed on")
    func staleIntents() {
        var tracker = Serf.IntentTracker()
        let taken = [
            tracker.receive(.join, about: "a", at: 5, known: true, now: .zero),
            tracker.receive(.join, about: "a", at: 5, known: true, now: .zero),  // the same time again
            tracker.receive(.leave, about: "a", at: 4, known: true, now: .zero),  // older than the status
            tracker.receive(.leave, about: "a", at: 6, known: true, now: .zero),
        ]
        #expect(taken == [true, false, false, true])
        #expect(tracker.statusTimes["a"] == 6)
        tracker.witnessStatus("a", at: 3)
        #expect(tracker.statusTimes["a"] == 6, "a push-pull never moves a status time back")
    }

    @Test("an intent about an unknown node waits for it, and is dropped once older than the timeout")
    func recentIntents() {
        var tracker = Serf.IntentTracker()
        let kept = [
            tracker.receive(.leave, about: "late", at: 9, known: false, now: .seconds(1)),
            tracker.receive(.join, about: "late", at: 8, known: false, now: .seconds(2)),  // an older one
        ]
        #expect(kept == [true, false])
        let applied = tracker.memberAppeared("late", now: .seconds(10))
        #expect(applied == .leave)
        #expect(tracker.statusTimes["late"] == 9)
        let repeated = tracker.receive(.join, about: "late", at: 9, known: true, now: .seconds(11))
        #expect(!repeated)

        let waiting = tracker.receive(.join, about: "gone", at: 3, known: false, now: .seconds(0))
        #expect(waiting)
        let tooLate = tracker.memberAppeared("gone", now: .seconds(301))
        #expect(tooLate == nil, "kept for 5 minutes only")
        let another = tracker.receive(.join, about: "x", at: 3, known: false, now: .seconds(0))
        #expect(another)
        tracker.expire(now: .seconds(400))
        #expect(tracker.pendingCount == 0)
    }

    @Test("the query timeout is GossipInterval × 16 × ceil(log10(n + 1))")
    func queryTimeout() {
        let interval = Duration.milliseconds(200)
        #expect(Serf.queryTimeout(gossipInterval: interval, members: 1) == .milliseconds(3_200))
        #expect(Serf.queryTimeout(gossipInterval: interval, members: 9) == .milliseconds(3_200))
        #expect(Serf.queryTimeout(gossipInterval: interval, members: 10) == .milliseconds(6_400))
        #expect(Serf.queryTimeout(gossipInterval: interval, members: 99) == .milliseconds(6_400))
        #expect(Serf.queryTimeout(gossipInterval: interval, members: 100) == .milliseconds(9_600))
    }

    @Test("a snapshot replays members and clocks; a final leave forgets the members; odd lines are counted")
    func snapshot() {
        // The start of a snapshot a Debian serf agent wrote.
        let captured = """
            alive: node1 127.0.0.1:7946
            alive: node2 127.0.0.1:7947
            clock: 1
            event-clock: 1
            query-clock: 1
            alive: node3 127.0.0.1:7948
            clock: 2
            not-alive: node3
            alive: node4 127.0.0.1:7949
            clock: 3
            not-alive: node4
            clock: 11
            event-clock: 2
            # a comment
            coordinate: ignored
            """
        let snapshot = Serf.Snapshot(text: captured)
        #expect(snapshot.aliveMembers == ["node1": "127.0.0.1:7946", "node2": "127.0.0.1:7947"])
        #expect(snapshot.clock == 11 && snapshot.eventClock == 2 && snapshot.queryClock == 1)
        #expect(!snapshot.leftGracefully && snapshot.unreadableLines == 0)
        let left = Serf.Snapshot(text: captured + "\nleave\n")
        #expect(left.leftGracefully && left.aliveMembers.isEmpty)
        let odd = Serf.Snapshot(text: "alive: lonely\nclock: soon\nweird\n")
        #expect(odd.unreadableLines == 3 && odd.aliveMembers.isEmpty)
        // Compaction writes the state back as lines that replay to the same state.
        #expect(Serf.Snapshot(text: snapshot.lines.joined(separator: "\n")) == snapshot)
        #expect(Serf.Snapshot.compactionThreshold(members: 10) == 131_072)
        #expect(Serf.Snapshot.compactionThreshold(members: 1_000) == 256_000)
    }
}

@Suite("Serf's member list: failed and left members kept, then reaped")
struct SerfMemberReaperTests {
    @Test("failed members are kept until the reconnect timeout, left ones until the tombstone timeout")
    func reap() {
        var reaper = Serf.MemberReaper()
        reaper.reconnectTimeout = .seconds(100)
        reaper.tombstoneTimeout = .seconds(50)
        reaper.update("crashed", to: .failed, now: .seconds(0))
        reaper.update("gone", to: .left, now: .seconds(0))
        reaper.update("up", to: .alive, now: .seconds(0))
        let early = reaper.reap(now: .seconds(40))
        #expect(early.isEmpty)
        let middle = reaper.reap(now: .seconds(60))
        #expect(middle == ["gone"])
        let late = reaper.reap(now: .seconds(101))
        #expect(late == ["crashed"])
        #expect(reaper.names == ["up"])
    }

    @Test("a member back within the flap timeout of failing is a flap; a later return is not")
    func flaps() {
        var reaper = Serf.MemberReaper()
        reaper.update("a", to: .failed, now: .seconds(0))
        reaper.update("a", to: .alive, now: .seconds(30))
        reaper.update("a", to: .failed, now: .seconds(100))
        reaper.update("a", to: .alive, now: .seconds(200))
        #expect(reaper.flaps == 1)
        #expect(reaper.status(of: "a") == .alive)
    }
}

@Suite("Coalescing of user events")
struct SerfCoalescerTests {
    @Test("within a window only the newest event of each name survives; the window closes when quiet or full")
    func coalesce() {
        var coalescer = Serf.UserEventCoalescer<String>(period: .seconds(3), quiescentPeriod: .seconds(1))
        let first = coalescer.add("deploy v1", name: "deploy", at: 5, now: .milliseconds(0))
        #expect(first == .seconds(1))
        _ = coalescer.add("deploy v2", name: "deploy", at: 6, now: .milliseconds(500))
        _ = coalescer.add("deploy v0", name: "deploy", at: 4, now: .milliseconds(600))  // older: dropped
        _ = coalescer.add("restart", name: "restart", at: 7, now: .milliseconds(700))
        let early = coalescer.flush(now: .milliseconds(1_500))
        #expect(early.isEmpty, "still within a second of the last event")
        let flushed = coalescer.flush(now: .milliseconds(1_700))
        #expect(flushed == ["deploy v2", "restart"])
        #expect(coalescer.heldCount == 0)
        // A steady stream of events is flushed at the end of the period even though it never goes quiet.
        var now = Duration.zero
        var deadline = Duration.zero
        for index in 0..<8 {  // one every 400 ms, until 2.8 s
            deadline = coalescer.add("tick \(index)", name: "tick", at: UInt64(10 + index), now: now)
            let meanwhile = coalescer.flush(now: now)
            #expect(meanwhile.isEmpty)
            now += .milliseconds(400)
        }
        #expect(deadline == .seconds(3))
        let full = coalescer.flush(now: .seconds(3))
        #expect(full == ["tick 7"], "the newest event held when the period ended")
    }
}
