extension Serf {
    /// Serf's member list above memberlist's: memberlist forgets a dead member after a short while, Serf keeps it
    /// as `failed` (so that it is listed, and reconnect may try it) until ``reconnectTimeout``, and a member that
    /// left as `left` until ``tombstoneTimeout``; then it is reaped (`member-reap`). A member that comes back
    /// within ``flapTimeout`` of failing counts as a flap. Times are durations since any fixed origin.
    public struct MemberReaper: Sendable {
        /// A member's status as Serf lists it.
        public enum Status: String, Sendable, Hashable {
            /// A member.
            case alive
            /// Its leave intent is known; memberlist still has it alive.
            case leaving
            /// It left gracefully.
            case left
            /// It stopped answering.
            case failed
        }

        /// How long a failed member is kept. Default: 24 hours (Serf's ReconnectTimeout).
        public var reconnectTimeout: Duration = .seconds(24 * 3600)
        /// How long a member that left is kept. Default: 24 hours (Serf's TombstoneTimeout).
        public var tombstoneTimeout: Duration = .seconds(24 * 3600)
        /// A failed member alive again within this is a flap. Default: 60 s (Serf's FlapTimeout).
        public var flapTimeout: Duration = .seconds(60)
        /// Members that came back within ``flapTimeout`` of failing, so far.
        public private(set) var flaps = 0
        private var records: [String: Record] = [:]

        struct Record: Sendable {
            var status: Status
            var since: Duration
        }

        /// An empty list.
        public init() {}

        /// Records `name`'s status at `now`.
        public mutating func update(_ name: String, to status: Status, now: Duration) {
            if status == .alive, let record = records[name], record.status == .failed,
                now - record.since <= flapTimeout
            {
                flaps += 1
            }
            if records[name]?.status == status { return }
            records[name] = Record(status: status, since: now)
        }

        /// `name`'s status, if it is listed.
        public func status(of name: String) -> Status? { records[name]?.status }

        /// Listed members.
        public var names: [String] { records.keys.sorted() }

        /// Listed members that left, sorted (Serf's push-pull `LeftMembers`).
        public var leftNames: [String] { records.compactMap { $0.value.status == .left ? $0.key : nil }.sorted() }

        /// Removes failed members older than ``reconnectTimeout`` and left ones older than ``tombstoneTimeout``;
        /// returns their names.
        public mutating func reap(now: Duration) -> [String] {
            var reaped: [String] = []
            for (name, record) in records {
                let timeout: Duration
                switch record.status {
                case .failed: timeout = reconnectTimeout
                case .left: timeout = tombstoneTimeout
                case .alive, .leaving: continue
                }
                if now - record.since > timeout { reaped.append(name) }
            }
            for name in reaped { records[name] = nil }
            return reaped.sorted()
        }
    }
}
