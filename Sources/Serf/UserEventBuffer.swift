import GossipCore

extension Serf {
    /// Serf's user-event de-duplication: a ring of ``capacity`` slots indexed by Lamport time modulo the
    /// capacity, each remembering the (name, payload) pairs seen at its time. An event is new when its time is
    /// within the window (newer than `clock − capacity`) and its pair is not in its slot yet; events older than
    /// the window are dropped, as Serf drops them.
    public struct UserEventBuffer: Sendable {
        /// Slots in the ring: Serf's EventBuffer, 512.
        public let capacity: Int
        private var ring: [Slot?]

        struct Slot: Sendable {
            var lamportTime: UInt64
            var events: [Kept]
        }

        /// An event as a slot keeps it: whole when it fits Serf's limit (push-pulls carry those), otherwise its
        /// name, length and two checksums of its payload, enough to recognise it again without holding up to 64 KiB
        /// (a broadcast tree's event) in each of the 512 slots.
        enum Kept: Sendable, Hashable {
            case whole(Event)
            case fingerprint(name: String, length: Int, crc: UInt32, fnv: UInt64)

            init(_ event: Event) {
                guard event.name.utf8.count + event.payload.count > Serf.userEventSizeLimit else {
                    self = .whole(event)
                    return
                }
                var fnv: UInt64 = 0xCBF2_9CE4_8422_2325
                for byte in event.payload { fnv = (fnv ^ UInt64(byte)) &* 0x0000_0100_0000_01B3 }
                self = .fingerprint(
                    name: event.name, length: event.payload.count, crc: CRC32.checksum(event.payload), fnv: fnv)
            }
        }

        /// Bytes of payload the buffer holds (events kept whole), for its bound: at most 512 events of Serf's size.
        public var payloadBytes: Int {
            ring.reduce(0) { total, slot in
                total
                    + (slot?.events.reduce(0) { sum, kept in
                        if case .whole(let event) = kept { sum + event.payload.count } else { sum }
                    } ?? 0)
            }
        }

        /// One event as the buffer remembers it.
        public struct Event: Sendable, Hashable {
            /// The event's name.
            public var name: String
            /// Its payload.
            public var payload: [UInt8]

            /// Creates an event record.
            public init(name: String, payload: [UInt8]) {
                self.name = name
                self.payload = payload
            }
        }

        /// An empty buffer of `capacity` slots.
        public init(capacity: Int = 512) {
            self.capacity = max(1, capacity)
            ring = Array(repeating: nil, count: self.capacity)
        }

        /// The buffer's slots as Serf's push-pull carries them (Serf's `Events`: every slot, `nil` where none is
        /// filled), so that members apart during a partition catch up on each other's events when it heals. An
        /// event over ``Serf/userEventSizeLimit`` (one a broadcast tree carried) stays out: Serf agents never get
        /// such events, and push-pulls stay small.
        public var slots: [SerfMessage.EventsAtTime?] {
            ring.map { slot in
                slot.map {
                    SerfMessage.EventsAtTime(
                        lamportTime: $0.lamportTime,
                        events: $0.events.compactMap {
                            guard case .whole(let event) = $0 else { return nil }
                            return SerfMessage.EventRecord(name: event.name, payload: event.payload)
                        })
                }
            }
        }

        /// Records the event at `lamportTime` given the event clock `clock`; returns `true` when it is new (to be
        /// delivered and rebroadcast), `false` for a duplicate or an event older than the window.
        public mutating func record(_ event: Event, at lamportTime: UInt64, clock: UInt64) -> Bool {
            if clock > UInt64(capacity), lamportTime < clock - UInt64(capacity) { return false }
            let index = Int(lamportTime % UInt64(capacity))
            let kept = Kept(event)
            if var slot = ring[index], slot.lamportTime == lamportTime {
                guard !slot.events.contains(kept) else { return false }
                slot.events.append(kept)
                ring[index] = slot
                return true
            }
            if let slot = ring[index], slot.lamportTime > lamportTime { return false }
            ring[index] = Slot(lamportTime: lamportTime, events: [kept])
            return true
        }
    }
}
