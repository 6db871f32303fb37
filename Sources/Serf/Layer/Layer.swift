import GossipCore
import MemberlistWire
import SWIM

extension Serf {
    /// Serf's layer above memberlist, as a value: what a node holds and decides so that Serf agents take it for
    /// one of their own. Inputs are the Serf messages that arrive inside memberlist `user` messages, the
    /// membership changes memberlist reports, the timers it armed, and the application's commands; every input
    /// comes with the instant it happens at (and randomness, where a choice is made) and returns
    /// ``Effect``s. It reads the membership layer (`SWIM.Instance`) it runs on but never changes it: changes
    /// are effects. Nothing here reads a clock or does I/O.
    ///
    /// It holds Serf's three Lamport clocks, the de-duplicating buffer of user events, join and leave intents,
    /// the queries asked and received, coalescing, the member list with failed and left members kept until
    /// reaped, name-conflict votes, key-management queries, and what Serf's snapshot records.
    public struct Layer: Sendable {
        /// This node's name.
        public let name: String
        /// The configuration the layer runs with.
        public let configuration: Configuration
        /// The keyring key queries act on (`nil`: traffic is not encrypted).
        public internal(set) var keyring: Keyring?
        /// `true` once a graceful leave has begun: a leave intent about this node is then not refuted.
        public internal(set) var isLeaving = false

        /// The member Lamport time of this node's join, which push-pulls announce as its status time. A leave
        /// intent must carry a later time, or Serf ignores it.
        let joinLamportTime: UInt64 = 1
        /// Serf's member clock. It starts past the join time, as Serf's clock does after stamping its join intent.
        var memberClock = LamportClock(time: 2)
        var eventClock = LamportClock()
        var queryClock = LamportClock()
        /// Recent user events, so that each is delivered and rebroadcast once.
        var recentEvents = UserEventBuffer()
        /// Join and leave intents: status times and intents about nodes not yet known.
        var intents = IntentTracker()
        /// Events and queries older than these were seen before a restart (restored from the snapshot) and are not
        /// delivered again (Serf's `eventMinTime`).
        var eventMinimumTime: UInt64 = 0
        var queryMinimumTime: UInt64 = 0
        /// The member list as Serf shows it, and each listed member as last seen.
        var reaper = MemberReaper()
        var lastKnownMembers: [String: SWIM.Member] = [:]
        /// Queries received, so that each is handled once.
        var answeredQueries: Set<QueryIdentity> = []
        /// Received user queries that may still be answered.
        var openQueries: [QueryIdentity: OpenQuery] = [:]
        /// Queries this node asked, collecting answers until their deadline.
        var askedQueries: [UInt32: AskedQuery] = [:]
        /// The coalescing window, when coalescing is on.
        var coalescer: UserEventCoalescer<SerfMessage.UserEvent>?
        /// The name-conflict vote in progress (the query's ID).
        var conflictVote: UInt32?
        /// The clocks the snapshot last recorded.
        var recordedClocks: [UInt64] = []
        /// Effects of the input being handled.
        var effects: [Effect] = []
        /// This node's network coordinate, when coordinates are on.
        public internal(set) var coordinateClient: VivaldiClient?
        /// The latest coordinate each member sent (this node's own included), until it is reaped.
        public internal(set) var coordinates: [String: SerfCoordinate] = [:]
        /// Ack payloads that were not a usable coordinate (dropped), and observations the client refused.
        public internal(set) var coordinateStatistics = CoordinateStatistics()

        /// A layer for the node called `name`; with `snapshot`, the clocks resume past the recorded ones and events
        /// and queries up to them are not delivered again.
        public init(name: String, configuration: Configuration = Configuration(), restoring snapshot: Snapshot? = nil) {
            self.name = name
            self.configuration = configuration
            keyring = configuration.keyring
            reaper.reconnectTimeout = configuration.reconnectTimeout
            reaper.tombstoneTimeout = configuration.tombstoneTimeout
            if let model = configuration.coordinates {
                let client = VivaldiClient(configuration: model)
                coordinateClient = client
                coordinates[name] = client.coordinate
            }
            if let snapshot {
                memberClock.witness(snapshot.clock)
                eventClock.witness(snapshot.eventClock)
                queryClock.witness(snapshot.queryClock)
                eventMinimumTime = snapshot.eventClock &+ 1
                queryMinimumTime = snapshot.queryClock &+ 1
                recordedClocks = [snapshot.clock, snapshot.eventClock, snapshot.queryClock]
            }
        }

        /// The three clocks: member, event, query.
        public var clocks: (member: UInt64, event: UInt64, query: UInt64) {
            (memberClock.time, eventClock.time, queryClock.time)
        }

        /// Arms the layer's periodic work: reaping, and snapshot flushes when the snapshot is recorded.
        public mutating func start(at now: Instant) -> [Effect] {
            effects.append(.arm(.reap, at: now + configuration.reapInterval))
            if configuration.recordsSnapshot {
                effects.append(.arm(.snapshotFlush, at: now + configuration.snapshotFlushInterval))
            }
            return takeEffects()
        }

        /// Handles one Serf message that arrived inside a memberlist `user` message; `payload` is its encoding,
        /// passed on as it is.
        public mutating func receive(
            _ message: SerfMessage, payload: [UInt8], membership: SWIM.Instance, at now: Instant,
            using rng: inout some RandomNumberGenerator
        ) -> [Effect] {
            handle(message, payload: payload, membership: membership, at: now, using: &rng)
            return takeEffects()
        }

        /// Handles a timer this layer armed.
        public mutating func fire(
            _ timer: Timer, membership: SWIM.Instance, at now: Instant, using rng: inout some RandomNumberGenerator
        ) -> [Effect] {
            switch timer {
            case .reap:
                reap(at: now)
                effects.append(.arm(.reap, at: now + configuration.reapInterval))
            case .snapshotFlush:
                recordClocks()
                effects.append(.flushSnapshot)
                effects.append(.arm(.snapshotFlush, at: now + configuration.snapshotFlushInterval))
            case .coalescingWindow:
                flushCoalescedEvents(at: now)
            case .queryDeadline(let id):
                finishQuery(id, membership: membership)
            case .responseWindow(let lamportTime, let id):
                openQueries[QueryIdentity(lamportTime: lamportTime, id: id)] = nil
            }
            return takeEffects()
        }

        /// Takes in a membership change memberlist reported: Serf's member list, the snapshot and pending
        /// intents follow it, and a name conflict starts a vote.
        public mutating func observe(
            _ event: SWIM.MembershipEvent, membership: SWIM.Instance, at now: Instant,
            using rng: inout some RandomNumberGenerator
        ) -> [Effect] {
            record(event)
            if case .nameConflict(let claimant) = event {
                startConflictVote(claimant: claimant, membership: membership, at: now, using: &rng)
            }
            if track(event, at: now) { effects.append(.member(event)) }
            return takeEffects()
        }

        /// Merges a peer's push-pull user state, when it is Serf's (Serf's `MergeRemoteState`): the clocks are
        /// witnessed, members it lists as left are leave intents, and its recent events are handled as if they had
        /// arrived by gossip, so that members apart during a partition deliver each other's events once it
        /// heals. On this node's own join (`joining`) the peer's events are history and are not delivered (Serf's
        /// default, without `-replay`).
        public mutating func merge(
            userState: [UInt8], joining: Bool = false, membership: SWIM.Instance, at now: Instant
        ) -> [Effect] {
            guard case .pushPull(let state)? = try? SerfMessage(decoding: userState) else { return [] }
            // Serf witnesses a remote state's clocks minus one.
            memberClock.witness(state.lamportTime &- 1)
            eventClock.witness(state.eventLamportTime &- 1)
            queryClock.witness(state.queryLamportTime &- 1)
            for node in state.leftMembers {
                let intent = SerfMessage.LeaveIntent(lamportTime: state.statusLamportTimes[node] ?? 0, node: node)
                receiveLeaveIntent(intent, payload: SerfMessage.leave(intent).encode(), membership: membership, at: now)
            }
            for (node, time) in state.statusLamportTimes { intents.witnessStatus(node, at: time) }
            if joining { eventMinimumTime = max(eventMinimumTime, state.eventLamportTime) }
            for case let slot? in state.events {
                for record in slot.events {
                    let event = SerfMessage.UserEvent(
                        lamportTime: slot.lamportTime, name: record.name, payload: record.payload, coalesce: false)
                    // Most are already known: encoded only when new.
                    receive(event, payload: nil, at: now)
                }
            }
            return takeEffects()
        }

        /// The user state this node's push-pulls carry (Serf's `LocalState`): the clocks, the status time of
        /// every member it knows one of, the members that left, and the recent-event buffer.
        public var pushPullUserState: [UInt8] {
            var statusTimes = intents.statusTimes
            statusTimes[name] = max(statusTimes[name] ?? 0, joinLamportTime)
            let left = reaper.leftNames
            return SerfMessage.pushPull(
                SerfMessage.PushPullState(
                    eventLamportTime: eventClock.time, events: recentEvents.slots, lamportTime: memberClock.time,
                    leftMembers: left, queryLamportTime: queryClock.time, statusLamportTimes: statusTimes)
            ).encode()
        }

        // MARK: - Routing

        mutating func handle(
            _ message: SerfMessage, payload: [UInt8], membership: SWIM.Instance, at now: Instant,
            using rng: inout some RandomNumberGenerator
        ) {
            switch message {
            case .userEvent(let event):
                receive(event, payload: payload, at: now)
            case .join(let intent):
                memberClock.witness(intent.lamportTime)
                receiveJoinIntent(intent, payload: payload, membership: membership, at: now)
            case .leave(let intent):
                memberClock.witness(intent.lamportTime)
                receiveLeaveIntent(intent, payload: payload, membership: membership, at: now)
            case .queryResponse(let response):
                collect(response, membership: membership)
            case .relay(let relay):
                forward(relay)
            case .query(let query):
                queryClock.witness(query.lamportTime)
                receive(query, payload: payload, membership: membership, at: now, using: &rng)
            case .pushPull:
                // Only ever a push-pull's user state (``merge(userState:joining:membership:at:)``).
                break
            case .conflictResponse, .keyRequest, .keyResponse:
                // Only ever inside query responses and requests; alone they mean nothing.
                break
            }
        }

        mutating func takeEffects() -> [Effect] {
            defer { effects = [] }
            return effects
        }

        static func duration(_ instant: Instant) -> Duration { .nanoseconds(instant.nanoseconds) }
    }

    /// A query's identity: its Lamport time and random ID.
    struct QueryIdentity: Hashable, Sendable {
        var lamportTime: UInt64
        var id: UInt32
    }

    /// A query received and not yet answered or timed out.
    struct OpenQuery: Sendable {
        var query: SerfMessage.Query
        var asker: NodeAddress
        var answered = false
    }
}
