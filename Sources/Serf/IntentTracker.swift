extension Serf {
    /// Serf's rules for join and leave intents: each member has a status time (the Lamport time of the last
    /// intent about it); an intent no newer than it is stale and ignored (not passed on); an intent about a node
    /// not yet known is kept for ``recentIntentTimeout`` and applied when the node appears.
    public struct IntentTracker: Sendable, Hashable {
        /// A kind of intent.
        public enum Kind: Sendable, Hashable {
            /// The node joined.
            case join
            /// The node is leaving.
            case leave
        }

        /// An intent waiting for its node to appear.
        struct Pending: Sendable, Hashable {
            var kind: Kind
            var lamportTime: UInt64
            var receivedAt: Duration
        }

        /// How long an intent about an unknown node is kept (Serf's RecentIntentTimeout). Default: 5 minutes.
        public var recentIntentTimeout: Duration = .seconds(300)
        /// Each known member's status time.
        public private(set) var statusTimes: [String: UInt64] = [:]
        private var pending: [String: Pending] = [:]

        /// An empty tracker.
        public init() {}

        /// Takes an intent about `node` received at `now` (time since any fixed origin). `known` tells whether the
        /// membership layer knows the node. Returns `true` when the intent is new, to be acted on and passed on.
        public mutating func receive(
            _ kind: Kind, about node: String, at lamportTime: UInt64, known: Bool, now: Duration
        ) -> Bool {
            guard known else {
                if let waiting = pending[node], waiting.lamportTime >= lamportTime { return false }
                pending[node] = Pending(kind: kind, lamportTime: lamportTime, receivedAt: now)
                return true
            }
            if let status = statusTimes[node], lamportTime <= status { return false }
            statusTimes[node] = lamportTime
            return true
        }

        /// The membership layer reports `node`: a kept intent about it, if still fresh, is applied and returned.
        public mutating func memberAppeared(_ node: String, now: Duration) -> Kind? {
            guard let waiting = pending.removeValue(forKey: node) else { return nil }
            guard now - waiting.receivedAt <= recentIntentTimeout else { return nil }
            if let status = statusTimes[node], waiting.lamportTime <= status { return nil }
            statusTimes[node] = waiting.lamportTime
            return waiting.kind
        }

        /// Sets a member's status time (from a push-pull's `StatusLTimes`), keeping the newer.
        public mutating func witnessStatus(_ node: String, at lamportTime: UInt64) {
            statusTimes[node] = max(statusTimes[node] ?? 0, lamportTime)
        }

        /// Drops kept intents older than ``recentIntentTimeout``.
        public mutating func expire(now: Duration) {
            pending = pending.filter { now - $0.value.receivedAt <= recentIntentTimeout }
        }

        /// Intents waiting for their nodes.
        public var pendingCount: Int { pending.count }
    }

    /// Serf's default query timeout: GossipInterval × QueryTimeoutMult × ceil(log10(n + 1)), for a cluster of
    /// `members` (3.2 s for up to 9 members and 6.4 s up to 99 with the LAN interval and a multiplier of 16).
    public static func queryTimeout(gossipInterval: Duration, members: Int, multiplier: Int = 16) -> Duration {
        var scale = 1
        var bound = 10
        while members + 1 > bound {
            scale += 1
            bound *= 10
        }
        return gossipInterval * (multiplier * scale)
    }
}
