import Serf
import Testing

@Suite("Lamport clocks and the user-event buffer")
struct SerfClockAndBufferTests {
    @Test("witness moves the clock past what it sees, never back; stamp then increment")
    func lamportClock() {
        var clock = Serf.LamportClock()
        let stamped = clock.stamp()
        #expect(stamped == 1)
        #expect(clock.time == 2)
        clock.witness(1)
        #expect(clock.time == 2, "an older time changes nothing")
        clock.witness(2)
        #expect(clock.time == 3, "an equal time moves the clock past it")
        clock.witness(10)
        #expect(clock.time == 11)
    }

    @Test("an event is delivered once; the same name and payload at the same time is a duplicate")
    func dedupe() {
        var buffer = Serf.UserEventBuffer()
        let deploy = Serf.UserEventBuffer.Event(name: "deploy", payload: Array("v1".utf8))
        let results = [
            buffer.record(deploy, at: 5, clock: 6),
            buffer.record(deploy, at: 5, clock: 6),
            buffer.record(Serf.UserEventBuffer.Event(name: "deploy", payload: Array("v2".utf8)), at: 5, clock: 6),
            buffer.record(deploy, at: 6, clock: 7),
        ]
        // New, duplicate, another payload at the same time, the same event at another time.
        #expect(results == [true, false, true, true])
    }

    @Test("a broadcast tree's large events are recognised again without the buffer holding their payloads")
    func largeEventsKeepNoPayload() {
        var buffer = Serf.UserEventBuffer(capacity: 16)
        let payloads = (0..<4).map { seed in (0..<65_536).map { UInt8(truncatingIfNeeded: $0 &* (seed + 1)) } }
        func large(_ time: Int) -> Serf.UserEventBuffer.Event {
            Serf.UserEventBuffer.Event(name: "bulk", payload: payloads[time % 3])
        }
        let recorded = (1...16).map { buffer.record(large($0), at: UInt64($0), clock: UInt64($0)) }
        #expect(recorded.allSatisfy { $0 })
        #expect(buffer.payloadBytes == 0, "16 events of 64 KiB would be 1 MiB (Serf's 512 slots: 32 MiB)")
        // The same large event again is a duplicate; another payload at the same time is new; an event that fits
        // Serf's limit is kept whole.
        let small = Serf.UserEventBuffer.Event(name: "deploy", payload: Array("v1".utf8))
        let results = [
            buffer.record(large(16), at: 16, clock: 16),
            buffer.record(.init(name: "bulk", payload: payloads[3]), at: 16, clock: 16),
            buffer.record(small, at: 16, clock: 16),
        ]
        #expect(results == [false, true, true])
        #expect(buffer.payloadBytes == 2)
        // Push-pulls carry the small one; the large ones stay out.
        let carried = buffer.slots.compactMap { $0 }.flatMap(\.events)
        #expect(carried.map(\.name) == ["deploy"])
    }

    @Test("events older than the window, or than the slot's newer occupant, are dropped")
    func window() {
        var buffer = Serf.UserEventBuffer(capacity: 4)
        let event = Serf.UserEventBuffer.Event(name: "e", payload: [])
        let results = [
            buffer.record(event, at: 3, clock: 10),  // older than clock − capacity
            buffer.record(event, at: 9, clock: 10),
            buffer.record(event, at: 5, clock: 8),  // slot 1 holds time 9 already
            buffer.record(event, at: 13, clock: 14),  // a newer time takes the slot over
        ]
        #expect(results == [false, true, false, true])
    }
}
