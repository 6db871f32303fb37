extension Serf {
    /// Serf's coalescing of user events sent with the coalesce flag: within a window, only the newest event
    /// (by Lamport time) of each name is delivered. A window opens with its first event and closes after
    /// ``period``, or earlier after ``quiescentPeriod`` without a new event. Times are durations since any fixed
    /// origin; the caller asks ``flush(now:)`` at the deadlines ``add(_:name:at:now:)`` returns.
    public struct UserEventCoalescer<Event: Sendable>: Sendable {
        /// The longest a window stays open. Default: 3 s (the Serf agent's).
        public var period: Duration
        /// A window closes this long after its last event. Default: 1 s.
        public var quiescentPeriod: Duration
        private var newest: [String: (lamportTime: UInt64, event: Event)] = [:]
        private var order: [String] = []
        private var windowStart: Duration?
        private var lastArrival: Duration = .zero

        /// A coalescer with the given windows.
        public init(period: Duration = .seconds(3), quiescentPeriod: Duration = .seconds(1)) {
            self.period = period
            self.quiescentPeriod = quiescentPeriod
        }

        /// Holds `event` (called `name`, stamped `lamportTime`) until the window closes; an older event of a
        /// name already held is dropped. Returns when the window may close: ask ``flush(now:)`` then.
        public mutating func add(_ event: Event, name: String, at lamportTime: UInt64, now: Duration) -> Duration {
            if windowStart == nil { windowStart = now }
            lastArrival = now
            if let held = newest[name] {
                if held.lamportTime < lamportTime { newest[name] = (lamportTime, event) }
            } else {
                newest[name] = (lamportTime, event)
                order.append(name)
            }
            return min(windowStart! + period, now + quiescentPeriod)
        }

        /// The held events, oldest name first, if the window has closed by `now`; otherwise none.
        public mutating func flush(now: Duration) -> [Event] {
            guard let start = windowStart, now - start >= period || now - lastArrival >= quiescentPeriod else {
                return []
            }
            let events = order.compactMap { newest[$0]?.event }
            newest = [:]
            order = []
            windowStart = nil
            return events
        }

        /// Events held now.
        public var heldCount: Int { newest.count }

        /// When the open window closes if no event arrives meanwhile; `nil` when no window is open.
        public var deadline: Duration? {
            guard let start = windowStart else { return nil }
            return min(start + period, lastArrival + quiescentPeriod)
        }
    }
}
