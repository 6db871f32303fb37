import GossipCore

extension SWIM {
    /// SWIM membership and failure detection for one node, as a pure value.
    ///
    /// An instance never reads a clock, touches a socket or draws global randomness. Its shell calls one method
    /// per input, passing the current instant and a random source, and carries out the ``Effect``s it gets back:
    ///
    /// ```swift
    /// var node = SWIM.Instance(name: "web-1", address: address, settings: .lan)
    /// var rng = SystemRandomNumberGenerator()
    /// execute(node.start(at: now, using: &rng))
    /// execute(node.join([seed], at: now, using: &rng))
    /// // for every datagram:  execute(node.receive(message, from: sender, at: now, using: &rng))
    /// // for every timer:     execute(node.fire(timer, at: now, using: &rng))
    /// ```
    ///
    /// The behaviour is memberlist 0.2.2's (the protocol behind Serf and Consul): shuffled round-robin probes
    /// with indirect and stream fallbacks, Lifeguard's health-scaled probe interval and confirmation-shrunk
    /// suspicion timeout, refutation by incarnation, transmit-limited piggybacked gossip, periodic push-pull
    /// state exchange; plus Serf's periodic reconnect to dead members so that healed partitions merge again.
    public struct Instance: Sendable {
        /// The configuration this instance runs with.
        public let settings: Settings
        /// Serves encoded message sizes for the piggyback budget.
        public let sizing: any MessageSizing
        /// This node's name.
        public let name: String
        /// Bytes this node returns in every ack (Serf puts its network coordinate here).
        public var ackPayload: [UInt8] = []

        /// Members in probe order, this node included.
        var nodes: [Member] = []
        /// Position of each member in `nodes`.
        var indexByName: [String: Int] = [:]
        /// Next position of the round-robin probe walk.
        var probeIndex = 0
        /// Running suspicions by member name.
        var suspicions: [String: Suspicion] = [:]
        /// Broadcasts waiting to be piggybacked or gossiped.
        var broadcasts = BroadcastQueue()
        /// The application's broadcasts (Serf's intents, events and queries): they fill what room memberlist's
        /// own broadcasts leave in each packet, as memberlist's delegate `GetBroadcasts` does.
        var applicationBroadcasts = BroadcastQueue()
        /// Lifeguard's local health.
        public internal(set) var awareness: Awareness
        /// Last sequence number used for a ping.
        var sequenceNumber: UInt32 = 0
        /// The probe in progress.
        var probe: ProbeState?
        /// Indirect probes this node is relaying, by the sequence number of its own ping.
        var relays: [UInt32: Relay] = [:]
        /// Dead members that reconnect may try, oldest first.
        var reconnectCandidates: [ReconnectCandidate] = []
        /// Where this node is in a graceful leave.
        var leaveState: LeaveState = .member
        /// When the next gossip tick falls due: ticks keep the phase `start` gave them, one gossip interval
        /// apart, but none is armed while nothing waits to be gossiped (an idle node does not wake for them).
        var gossipTickDue = Instant.zero
        /// Whether a gossip tick is armed, and whether it was armed on resuming from idle.
        var gossipTimer: GossipTimer = .idle
        /// Effects produced by the input being handled.
        var effects: [Effect] = []
        /// Counters about this node's work.
        public internal(set) var statistics = Statistics()

        /// Creates a node that knows only itself, alive at incarnation 1 (memberlist starts at 1: an alive with
        /// incarnation 0 is ignored by peers).
        ///
        /// - Parameters:
        ///   - name: the unique node name; must not be empty.
        ///   - address: the address peers reach this node at (the advertise address).
        ///   - metadata: application metadata, at most ``Settings/maxMetadataSize`` bytes.
        ///   - settings: timing and limits; ``Settings/lan`` by default.
        ///   - sizing: the wire size of messages; memberlist's MessagePack sizes by default.
        ///   - now: the instant the node starts at.
        public init(
            name: String, address: NodeAddress, metadata: [UInt8] = [], settings: Settings = .lan,
            sizing: any MessageSizing = MessagePackSizing(), at now: Instant = .zero
        ) {
            precondition(!name.isEmpty, "a node needs a non-empty name")
            self.settings = settings
            self.sizing = sizing
            self.name = name
            self.awareness = Awareness(maximumMultiplier: settings.awarenessMaxMultiplier)
            let me = Member(
                name: name, address: address, metadata: metadata, incarnation: 1, status: .alive,
                statusChangedAt: now, protocolVersions: settings.protocolVersions)
            nodes = [me]
            indexByName = [name: 0]
            enqueueBroadcast(.alive(aliveMessage(for: me)), key: name)
        }

        // MARK: - What the node knows

        /// This node's own record.
        public var localMember: Member { nodes[indexByName[name]!] }

        /// Every member this node knows (itself included), sorted by name.
        public var members: [Member] { nodes.sorted { $0.name < $1.name } }

        /// The member called `name`, if known.
        public func member(named name: String) -> Member? {
            indexByName[name].map { nodes[$0] }
        }

        /// Members known, in any state, this node included (memberlist's estimate of `n`).
        public var clusterSize: Int { nodes.count }

        /// Members this node believes alive, itself included.
        public private(set) var aliveCount = 1

        /// Lifeguard's local health score (0 is healthy).
        public var healthScore: Int { awareness.score }

        /// Broadcasts waiting to be sent.
        public var pendingBroadcasts: Int { broadcasts.count }

        /// `true` once a graceful leave has been announced.
        public var hasLeft: Bool { leaveState != .member }

        /// The state this node sends in a push-pull: every member it knows.
        public func pushPullState(join: Bool) -> PushPull {
            PushPull(
                join: join,
                nodes: nodes.map {
                    NodeState(
                        name: $0.name, address: $0.address, metadata: $0.metadata, incarnation: $0.incarnation,
                        status: $0.status, protocolVersions: $0.protocolVersions)
                })
        }

        // MARK: - Lifecycle

        /// Arms the periodic timers, each after a random stagger within its interval (as memberlist does, so
        /// that nodes started together do not tick in step).
        public mutating func start(at now: Instant, using rng: inout some RandomNumberGenerator) -> [Effect] {
            arm(.probe, at: now + rng.nextDuration(below: settings.probeInterval))
            gossipTickDue = now + rng.nextDuration(below: settings.gossipInterval)
            arm(.gossip, at: gossipTickDue)
            gossipTimer = .ticking
            if settings.pushPullInterval > .zero {
                arm(.pushPull, at: now + rng.nextDuration(below: settings.pushPullInterval))
            }
            if settings.reconnectInterval > .zero {
                arm(.reconnect, at: now + rng.nextDuration(below: settings.reconnectInterval))
            }
            return takeEffects()
        }

        /// Joins a cluster: a push-pull with `join` set to each seed. The shell reports each outcome through
        /// ``pushPullCompleted(_:from:at:using:)``; the join succeeded if at least one exchange did.
        public mutating func join(
            _ seeds: [NodeAddress], at now: Instant, using rng: inout some RandomNumberGenerator
        ) -> [Effect] {
            guard leaveState == .member else { return [] }
            for seed in seeds {
                startPushPull(with: seed, join: true)
            }
            return takeEffects()
        }

        /// Adds members this node should already know without announcing them: a member list restored from a
        /// snapshot, or a simulation that starts from a formed cluster instead of replaying its joins. Names
        /// already known (and this node's own) are skipped; nothing is broadcast, and each new member is
        /// reported as joined.
        public mutating func bootstrap(
            members: [Member], at now: Instant, using rng: inout some RandomNumberGenerator
        ) -> [Effect] {
            nodes.reserveCapacity(nodes.count + members.count)
            for member in members where indexByName[member.name] == nil && !member.name.isEmpty {
                var added = member
                added.statusChangedAt = now
                let status = added.status
                added.status = .dead
                let index = insertAtRandomPosition(added, using: &rng)
                if status == .alive {
                    setStatus(.alive, ofMemberAt: index, at: now)
                } else {
                    nodes[index].status = status
                }
                emit(.joined(nodes[index]))
            }
            return takeEffects()
        }

        /// Replaces this node's metadata and announces it with a new incarnation.
        ///
        /// - Throws: ``InstanceError/metadataTooLarge(size:limit:)`` when `metadata` exceeds the limit.
        public mutating func updateMetadata(
            _ metadata: [UInt8], at now: Instant, using rng: inout some RandomNumberGenerator
        ) throws(InstanceError) -> [Effect] {
            guard metadata.count <= settings.maxMetadataSize else {
                throw .metadataTooLarge(size: metadata.count, limit: settings.maxMetadataSize)
            }
            guard leaveState == .member else { return [] }
            let index = indexByName[name]!
            nodes[index].incarnation &+= 1
            nodes[index].metadata = metadata
            enqueueBroadcast(.alive(aliveMessage(for: nodes[index])), key: name)
            return takeEffects()
        }

        // MARK: - Plumbing shared by the protocol steps

        /// Moves the member at `index` to `status`, keeping ``aliveCount`` in step.
        mutating func setStatus(_ status: Status, ofMemberAt index: Int, at now: Instant) {
            let previous = nodes[index].status
            guard previous != status else { return }
            if previous == .alive { aliveCount -= 1 }
            if status == .alive { aliveCount += 1 }
            nodes[index].status = status
            nodes[index].statusChangedAt = now
        }

        mutating func takeEffects() -> [Effect] {
            if gossipTimer == .idle, !broadcasts.isEmpty || !applicationBroadcasts.isEmpty, leaveState != .left {
                gossipTimer = .resuming
                arm(.gossip, at: gossipTickDue)
            }
            let taken = effects
            effects = []
            return taken
        }

        mutating func arm(_ timer: Timer, at instant: Instant) {
            effects.append(.arm(timer, at: instant))
        }

        mutating func emit(_ event: MembershipEvent) {
            effects.append(.event(event))
        }

        mutating func nextSequenceNumber() -> UInt32 {
            sequenceNumber &+= 1
            return sequenceNumber
        }

        func aliveMessage(for member: Member) -> Alive {
            Alive(
                incarnation: member.incarnation, node: member.name, address: member.address,
                metadata: member.metadata, protocolVersions: member.protocolVersions)
        }

        mutating func enqueueBroadcast(_ message: Message, key: String) {
            broadcasts.enqueue(message, key: key, size: sizing.encodedSize(of: message))
        }

        /// Broadcasts that fit in `limit` bytes, each costing its size plus the compound's 2-byte length:
        /// memberlist's own first, then the application's in the room left.
        mutating func takeBroadcasts(limit: Int) -> [Message] {
            let transmitLimit = settings.retransmitLimit(clusterSize: nodes.count)
            var taken = broadcasts.dequeue(overhead: 2, limit: limit, transmitLimit: transmitLimit)
            guard !applicationBroadcasts.isEmpty else { return taken }
            let used = taken.reduce(0) { $0 + 2 + sizing.encodedSize(of: $1) }
            taken += applicationBroadcasts.dequeue(overhead: 2, limit: limit - used, transmitLimit: transmitLimit)
            return taken
        }

        /// Queues application bytes (a Serf message) to be gossiped as a memberlist `user` message, piggybacked
        /// and sent on gossip ticks up to the retransmit limit. A newer broadcast under the same `key` replaces
        /// the older one. The effects arm the gossip tick when none is armed (an idle node arms none).
        public mutating func broadcast(_ payload: [UInt8], key: String) -> [Effect] {
            let message = Message.user(payload)
            applicationBroadcasts.enqueue(message, key: key, size: sizing.encodedSize(of: message))
            return takeEffects()
        }

        /// memberlist's `sendMsg`: `message` plus as many broadcasts as fit in the rest of the packet.
        mutating func send(_ message: Message, to address: NodeAddress) {
            let room = settings.udpBufferSize - sizing.encodedSize(of: message) - 2 - settings.packetOverhead
            var messages = [message]
            messages.append(contentsOf: takeBroadcasts(limit: room))
            effects.append(.send(messages, to: address, destination: nil))
            noteLeaveProgress()
        }

        /// Up to `count` distinct random members that `isCandidate` accepts (memberlist's `kRandomNodes`:
        /// at most 3n draws, so small clusters are searched exhaustively and large ones cheaply).
        func randomMembers(
            _ count: Int, using rng: inout some RandomNumberGenerator, where isCandidate: (Member) -> Bool
        ) -> [Member] {
            var chosen: [Member] = []
            guard count > 0, !nodes.isEmpty else { return chosen }
            chosen.reserveCapacity(count)
            var draws = 0
            while draws < 3 * nodes.count, chosen.count < count {
                draws += 1
                let candidate = nodes[rng.nextIndex(below: nodes.count)]
                guard isCandidate(candidate), !chosen.contains(where: { $0.name == candidate.name }) else { continue }
                chosen.append(candidate)
            }
            return chosen
        }
    }

    /// Why an ``Instance`` refused a command.
    public enum InstanceError: Error, Hashable, Sendable, CustomStringConvertible {
        /// The metadata is `size` bytes, over the `limit`.
        case metadataTooLarge(size: Int, limit: Int)

        /// What went wrong, with the numbers.
        public var description: String {
            switch self {
            case .metadataTooLarge(let size, let limit):
                return "node metadata is \(size) bytes, over the limit of \(limit) bytes"
            }
        }
    }
}

extension SWIM.Instance {
    /// The probe in progress (memberlist's `probeNode`).
    struct ProbeState: Sendable {
        var target: String
        var targetAddress: NodeAddress
        /// The target's incarnation when the probe started; a failed probe suspects this incarnation.
        var targetIncarnation: UInt32
        var ping: SWIM.Ping
        var startedAt: Instant
        /// Start + health-scaled probe interval.
        var deadline: Instant
        var indirectProbesSent = false
        var expectedNacks = 0
        var nacks = 0
        var streamPingPending = false
        var streamPingAcknowledged = false
        var deadlinePassed = false
    }

    /// An indirect probe this node runs for a requester (memberlist's `handleIndirectPing`).
    struct Relay: Sendable {
        var requesterSequenceNumber: UInt32
        var replyTo: NodeAddress
        var wantsNack: Bool
    }

    /// A member marked dead that reconnect may try to rejoin (Serf's `failedMembers`).
    struct ReconnectCandidate: Sendable {
        var name: String
        var address: NodeAddress
        var failedAt: Instant
    }

    /// The gossip tick's state.
    enum GossipTimer: Sendable {
        /// None armed: nothing waits to be gossiped.
        case idle
        /// Armed for the next tick on the phase.
        case ticking
        /// Armed on resuming from idle, for ``Instance/gossipTickDue``, which may have passed already.
        case resuming
    }

    enum LeaveState: Sendable {
        case member
        /// The leave is announced; gossip continues until the announcement has been transmitted.
        case leaving
        /// Done: every input is ignored.
        case left
    }
}
