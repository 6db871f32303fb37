import GossipCore
import GossipTestKit
import SWIM
import Testing

@Suite("Test kit")
struct TestKitTests {
    @Test("events come out by instant, and in scheduling order at the same instant")
    func ordering() {
        var scheduler = VirtualScheduler<String>()
        scheduler.schedule("late", at: .zero + .seconds(2))
        scheduler.schedule("first", at: .zero + .seconds(1))
        scheduler.schedule("second", at: .zero + .seconds(1))
        #expect(scheduler.next(notAfter: .zero + .milliseconds(500)) == nil)
        #expect(scheduler.next(notAfter: .zero + .seconds(5)) == "first")
        #expect(scheduler.now == .zero + .seconds(1))
        #expect(scheduler.next(notAfter: .zero + .seconds(5)) == "second")
        scheduler.schedule("past", at: .zero)
        #expect(scheduler.next(notAfter: .zero + .seconds(5)) == "past", "a past instant runs now, before later ones")
        #expect(scheduler.now == .zero + .seconds(1))
        #expect(scheduler.next(notAfter: .zero + .seconds(5)) == "late")
        scheduler.advance(to: .zero)
        #expect(scheduler.now == .zero + .seconds(2), "the clock never goes back")
    }

    @Test(
        "the calendar queue gives exactly a sorted queue's order: same bucket, later in the ring, past the ring",
        arguments: [1, 2, 3])
    func calendarOrder(seed: UInt64) {
        // A small ring (64 buckets of 1 ms) so that schedules land in the active bucket, in the ring, across its
        // wrap and in the overflow; takes are interleaved with schedules and stop at random limits.
        var scheduler = VirtualScheduler<Int>(bucket: .milliseconds(1), bucketCount: 64)
        var reference: [(instant: Int64, order: Int)] = []
        var rng = SeededRandom(seed: seed)
        var order = 0
        var taken = 0
        for _ in 0..<4_000 {
            if Bool.random(using: &rng) || reference.isEmpty {
                let ahead: Int64 =
                    switch Int.random(in: 0..<4, using: &rng) {
                    case 0: 0
                    case 1: Int64.random(in: 0..<1_000_000, using: &rng)
                    case 2: Int64.random(in: 0..<64_000_000, using: &rng)
                    default: Int64.random(in: 0..<500_000_000, using: &rng)
                    }
                let instant = scheduler.now.nanoseconds + ahead
                scheduler.schedule(order, at: Instant(nanoseconds: instant))
                reference.append((instant, order))
                order += 1
            } else {
                let limit = scheduler.now + .milliseconds(Int64.random(in: 0..<80, using: &rng))
                reference.sort { ($0.instant, $0.order) < ($1.instant, $1.order) }
                let expected = reference.first.flatMap { $0.instant <= limit.nanoseconds ? $0 : nil }
                let event = scheduler.next(notAfter: limit)
                #expect(event == expected?.order)
                if let expected {
                    reference.removeFirst()
                    #expect(scheduler.now.nanoseconds == expected.instant)
                    taken += 1
                }
            }
            #expect(scheduler.count == reference.count)
        }
        reference.sort { ($0.instant, $0.order) < ($1.instant, $1.order) }
        #expect(scheduler.nextInstant?.nanoseconds == reference.first?.instant)
        var rest: [Int] = []
        while let event = scheduler.next(notAfter: Instant(nanoseconds: .max)) { rest.append(event) }
        #expect(rest == reference.map(\.order))
        #expect(taken > 500)
    }

    @Test("a clock that starts before the origin keeps the same order across the origin")
    func beforeTheOrigin() {
        var scheduler = VirtualScheduler<String>(start: Instant(nanoseconds: -5_000_000_000), bucketCount: 64)
        scheduler.schedule("late", at: .zero + .seconds(3))
        scheduler.schedule("origin", at: .zero)
        scheduler.schedule("early", at: Instant(nanoseconds: -4_999_500_000))
        scheduler.schedule("before", at: Instant(nanoseconds: -1_000))
        var taken: [String] = []
        while let event = scheduler.next(notAfter: .zero + .seconds(10)) { taken.append(event) }
        #expect(taken == ["early", "before", "origin", "late"])
        #expect(scheduler.now == .zero + .seconds(3))
    }

    @Test("latency models stay within their bounds")
    func latency() {
        var rng = SeededRandom(seed: 3)
        let model = LatencyModel.uniform(.milliseconds(1), .milliseconds(3))
        for _ in 0..<1000 {
            let sample = model.sample(using: &rng)
            #expect(sample >= .milliseconds(1) && sample < .milliseconds(3))
        }
        #expect(LatencyModel.fixed(.milliseconds(7)).sample(using: &rng) == .milliseconds(7))
    }

    @Test("a partition stops datagrams between groups and counts them; loss is counted separately")
    func partitionAndLoss() {
        let cluster = SimulatedCluster(
            size: 6, network: NetworkConditions(latency: .fixed(.milliseconds(1)), lossRate: 0.2), seed: 11)
        cluster.startAll()
        cluster.run(for: .seconds(20))
        #expect(cluster.traffic.packetsLost > 0)
        #expect(cluster.traffic.packetsPartitioned == 0)
        cluster.partition([[0, 1, 2]])
        cluster.run(for: .seconds(10))
        #expect(cluster.traffic.packetsPartitioned > 0)
    }

    @Test("a paused node handles nothing until resumed, then catches up")
    func pauseHoldsEvents() {
        let cluster = SimulatedCluster(size: 4, seed: 12)
        cluster.startAll()
        cluster.run(for: .seconds(10))
        #expect(cluster.isConverged)
        let probesBefore = cluster.instance(2).statistics.probes
        cluster.pause(node: 2)
        cluster.run(for: .seconds(5))
        #expect(cluster.instance(2).statistics.probes == probesBefore)
        #expect(cluster.processState(ofNode: 2) == .paused)
        cluster.resume(node: 2)
        cluster.run(for: .seconds(5))
        #expect(cluster.instance(2).statistics.probes > probesBefore)
    }

    @Test("metadata updates reach every node with a new incarnation")
    func metadataUpdate() throws {
        let cluster = SimulatedCluster(size: 8, seed: 13)
        cluster.startAll()
        cluster.run(for: .seconds(10))
        try cluster.updateMetadata(node: 3, [0xFF, 1, 2])
        cluster.run(for: .seconds(5))
        for index in 0..<8 {
            #expect(cluster.instance(index).member(named: cluster.name(ofNode: 3))?.metadata == [0xFF, 1, 2])
        }
    }
}
