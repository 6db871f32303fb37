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
            var events: [Event]
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
                        events: $0.events.lazy.filter {
                            $0.name.utf8.count + $0.payload.count <= Serf.userEventSizeLimit
                        }
                        .map { SerfMessage.EventRecord(name: $0.name, payload: $0.payload) })
                }
            }
        }

        /// Records the event at `lamportTime` given the event clock `clock`; returns `true` when it is new (to be
        /// delivered and rebroadcast), `false` for a duplicate or an event older than the window.
        public mutating func record(_ event: Event, at lamportTime: UInt64, clock: UInt64) -> Bool {
            if clock > UInt64(capacity), lamportTime < clock - UInt64(capacity) { return false }
            let index = Int(lamportTime % UInt64(capacity))
            if var slot = ring[index], slot.lamportTime == lamportTime {
                guard !slot.events.contains(event) else { return false }
                slot.events.append(event)
                ring[index] = slot
                return true
            }
            if let slot = ring[index], slot.lamportTime > lamportTime { return false }
            ring[index] = Slot(lamportTime: lamportTime, events: [event])
            return true
        }
    }
}
