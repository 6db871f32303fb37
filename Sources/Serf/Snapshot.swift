extension Serf {
    /// What Serf's snapshot file (`-snapshot=path`) records, replayed: the members last known alive, the three
    /// Lamport clocks, and whether the node left gracefully. The file is append-only text, one record a line:
    /// `alive: NAME IP:PORT`, `not-alive: NAME`, `clock: N`, `event-clock: N`, `query-clock: N`, `leave`, and
    /// `# comments`; later lines win. This value reads and writes those lines; the node does the file I/O.
    public struct Snapshot: Sendable, Hashable {
        /// Members last known alive, by name, with their `ip:port`.
        public private(set) var aliveMembers: [String: String] = [:]
        /// The member clock.
        public private(set) var clock: UInt64 = 0
        /// The event clock.
        public private(set) var eventClock: UInt64 = 0
        /// The query clock.
        public private(set) var queryClock: UInt64 = 0
        /// `true` when the last record is a graceful leave: the node should not rejoin its old members unless told
        /// to (`-rejoin`).
        public private(set) var leftGracefully = false
        /// Lines that were not understood (kept out of the state, counted so the node can warn).
        public private(set) var unreadableLines = 0

        /// An empty snapshot.
        public init() {}

        /// Replays the text of a snapshot file.
        public init(text: String) {
            for line in text.split(whereSeparator: \.isNewline) { apply(String(line)) }
        }

        /// Applies one line.
        public mutating func apply(_ line: String) {
            let trimmed = line.trimmingWhitespace()
            if trimmed.isEmpty || trimmed.hasPrefix("#") || trimmed.hasPrefix("coordinate:") { return }
            if trimmed == "leave" {
                leftGracefully = true
                aliveMembers = [:]
                return
            }
            guard let colon = trimmed.firstIndex(of: ":") else {
                unreadableLines += 1
                return
            }
            let kind = trimmed[..<colon]
            let value = trimmed[trimmed.index(after: colon)...].trimmingWhitespace()
            switch kind {
            case "alive":
                let parts = value.split(separator: " ", maxSplits: 1)
                guard parts.count == 2 else {
                    unreadableLines += 1
                    return
                }
                aliveMembers[String(parts[0])] = String(parts[1])
                leftGracefully = false
            case "not-alive":
                aliveMembers[value] = nil
            case "clock", "event-clock", "query-clock":
                guard let time = UInt64(value) else {
                    unreadableLines += 1
                    return
                }
                switch kind {
                case "clock": clock = time
                case "event-clock": eventClock = time
                default: queryClock = time
                }
                leftGracefully = false
            default:
                unreadableLines += 1
            }
        }

        /// The line recording `name` alive at `address` (`ip:port`).
        public static func aliveLine(_ name: String, _ address: String) -> String { "alive: \(name) \(address)" }
        /// The line recording `name` gone.
        public static func notAliveLine(_ name: String) -> String { "not-alive: \(name)" }
        /// The lines recording the clocks.
        public static func clockLines(clock: UInt64, eventClock: UInt64, queryClock: UInt64) -> [String] {
            ["clock: \(clock)", "event-clock: \(eventClock)", "query-clock: \(queryClock)"]
        }
        /// The line recording a graceful leave.
        public static let leaveLine = "leave"

        /// The whole state as lines, for compaction.
        public var lines: [String] {
            aliveMembers.sorted { $0.key < $1.key }.map { Self.aliveLine($0.key, $0.value) }
                + Self.clockLines(clock: clock, eventClock: eventClock, queryClock: queryClock)
                + (leftGracefully ? [Self.leaveLine] : [])
        }

        /// The size beyond which Serf compacts the file: the larger of 128 KiB and 2 × 128 bytes per member.
        public static func compactionThreshold(members: Int) -> Int { max(128 * 1_024, 2 * 128 * members) }
    }
}

extension StringProtocol {
    func trimmingWhitespace() -> String {
        String(drop(while: \.isWhitespace).reversed().drop(while: \.isWhitespace).reversed())
    }
}
