import GossipCore
import MemberlistWire
import NodeCore
import Replication
import SWIM
import Serf

/// Many node cores (`NodeCore`: memberlist's membership protocol, Serf's layer when the cluster is given a
/// Serf configuration, and the replicated store when it is given a store configuration) on a simulated network
/// in virtual time: the test kit for membership, user events, queries and the store, the same values the real
/// node runs. Each node's disk is simulated too: a batch the store asks to persist is durable after
/// ``persistLatency``, and survives a crash.
///
/// Everything (latency, loss, every node's random choices) derives from one seed, so a run replays exactly.
/// Faults are applied between runs: crash, pause and resume (like SIGSTOP / SIGCONT: packets and timers wait
/// until the node runs again), restart (a new process under the same name and address), partitions and healing.
///
/// ```swift
/// let cluster = SimulatedCluster(size: 50, seed: 7)
/// cluster.startAll(joiningThrough: 0)
/// cluster.run(until: .zero + .seconds(20))
/// cluster.crash(node: 3)
/// cluster.run(for: .seconds(60))
/// ```
public final class SimulatedCluster {
    /// A node's process as the simulator runs it.
    public enum ProcessState: Sendable, Equatable {
        /// Not started yet.
        case stopped
        /// Handling packets and timers.
        case running
        /// Frozen: packets and timers are held until it resumes.
        case paused
        /// Gone: everything sent to it is lost.
        case crashed
        /// Left the cluster gracefully and stopped.
        case departed
    }

    /// A membership event one node reported, with the virtual time it happened at.
    public struct LogEntry: Sendable, Hashable, CustomStringConvertible {
        /// When.
        public var instant: Instant
        /// The node that reported it.
        public var observer: String
        /// What it reported.
        public var event: SWIM.MembershipEvent

        /// `12.345s node-03 marks node-07 dead`.
        public var description: String { "\(instant) \(observer) \(event)" }
    }

    /// Traffic counters over the whole run.
    public struct Traffic: Sendable, Hashable {
        /// Datagrams sent.
        public var packetsSent = 0
        /// Protocol messages in those datagrams.
        public var messagesSent = 0
        /// Encoded bytes sent (message sizes plus compound headers).
        public var bytesSent = 0
        /// Datagrams lost to random loss.
        public var packetsLost = 0
        /// Datagrams lost to a partition.
        public var packetsPartitioned = 0
        /// Datagrams lost because their receiver was crashed or gone.
        public var packetsUndeliverable = 0
        /// Stream exchanges (push-pull, stream ping) started.
        public var streamsOpened = 0
        /// Bytes of one-way stream messages (broadcast-tree messages too large for a datagram).
        public var streamBytesSent = 0
    }

    /// A user event one node delivered to its application, with the virtual time it happened at.
    public struct Delivery: Sendable, Hashable {
        /// When.
        public var instant: Instant
        /// The node that delivered it.
        public var node: Int
        /// What it delivered.
        public var event: SerfMessage.UserEvent
    }

    enum Event {
        case start(node: Int, seeds: [Int])
        case timer(node: Int, epoch: Int, timer: NodeCore.Timer)
        case datagram(node: Int, from: NodeAddress, messages: [SWIM.Message])
        case pushPullRequest(node: Int, from: Int, epoch: Int, state: SWIM.PushPull)
        case pushPullReply(node: Int, epoch: Int, peer: NodeAddress, state: SWIM.PushPull?)
        case streamPingResult(node: Int, epoch: Int, sequenceNumber: UInt32, acknowledged: Bool)
        case persisted(node: Int, epoch: Int, batch: UInt64, entries: [Replication.KeyedEntry])
        case storeRequest(node: Int, from: Int, epoch: Int, session: UInt64?, request: [UInt8])
        case storeReply(node: Int, epoch: Int, session: UInt64, reply: [UInt8]?)
        case streamMessage(node: Int, payload: [UInt8])
    }

    /// The settings every node runs with.
    public let settings: SWIM.Settings
    /// The network's behaviour; may be changed between runs.
    public var network: NetworkConditions
    /// Every membership event of every node, in order.
    public private(set) var log: [LogEntry] = []
    /// Whether to keep ``log`` (a large run may turn it off).
    public var recordsLog = true
    /// Called for every membership event as it happens.
    public var onEvent: ((LogEntry) -> Void)?
    /// Extra delay of every datagram to or from a node: overloaded members that answer late.
    public var slowNodes: [Int: Duration] = [:]
    /// Called for every datagram a node sends (sender index, receiver address, messages), before loss decides
    /// its fate: how measurements see which probes went where.
    public var onDatagram: ((Int, NodeAddress, [SWIM.Message]) -> Void)?
    /// Traffic so far.
    public internal(set) var traffic = Traffic()
    /// Every user event every node delivered, in order (with a Serf configuration).
    public private(set) var deliveries: [Delivery] = []
    /// Called for every user event a node delivers.
    public var onDelivery: ((Delivery) -> Void)?
    /// Answers the user queries a node receives: given the node and the query, the payload to answer with, or
    /// `nil` for none (the node still acks when asked). Default: no answers.
    public var queryResponder: ((Int, SerfMessage.Query) -> [UInt8]?)?
    /// Answers to the queries each node asked, by node and query ID, in arrival order.
    public internal(set) var queryAnswers: [Int: [UInt32: [Serf.QueryAnswer]]] = [:]
    /// The key operations that finished, by node and query ID.
    public private(set) var keyOperationResults: [Int: [UInt32: Serf.KeyOperationResult]] = [:]
    /// Each node's Serf snapshot file, as the lines it appended (kept across restarts, as a file would be).
    public private(set) var snapshots: [[String]]
    /// Why each node stopped, once it did.
    public private(set) var stopReasons: [Int: NodeCore.StopReason] = [:]
    /// How long a node's disk takes to make a batch durable. Default: 1 ms.
    public var persistLatency: Duration = .milliseconds(1)
    /// Each node's disk: the entries its store made durable, in order (kept across crashes and restarts, as a
    /// log file would be; ``disk(ofNode:)`` replays it).
    public internal(set) var disks: [[Replication.KeyedEntry]] = []
    /// The outcome of every local write, by node and write identifier.
    public internal(set) var acknowledgements:
        [Int: [UInt64: Result<Replication.Store.Acknowledgement, Replication.StoreError>]] = [:]
    /// The anti-entropy exchanges that ended, by node and session.
    public internal(set) var synchronizations:
        [Int: [UInt64: Result<Replication.AntiEntropyInitiator.Outcome, Replication.StoreError>]] = [:]
    /// Changes each node's store showed its watchers, in order (when ``recordsLog``).
    public internal(set) var storeChanges: [Int: [Replication.KeyValueChange]] = [:]
    /// Alerts raised, with the node and virtual time.
    public internal(set) var alerts: [(instant: Instant, node: Int, rule: Replication.AlertRule, firing: Bool)] = []

    let seed: UInt64
    /// What every node runs with.
    public let configuration: NodeCore.Configuration
    // One entry per node, in parallel arrays so that a core and its generator can be borrowed together.
    var cores: [NodeCore] = []
    var generators: [SeededRandom] = []
    var states: [ProcessState] = []
    /// Incremented at each restart; timers and stream answers of an earlier process are discarded.
    var epochs: [Int] = []
    /// Whether the bursty-loss channel is in a burst.
    var inBurst = false
    /// Events waiting for a paused node.
    var held: [[Event]] = []
    var indexByAddress: [NodeAddress: Int] = [:]
    var scheduler = VirtualScheduler<Event>()
    var networkRandom: SeededRandom
    /// Partition group of each node; packets cross only between equal groups.
    var group: [Int]
    /// Each node's name.
    var names: [String] = []
    /// Each node's tags, when the cluster runs Serf's layer.
    let tagsOfNode: ((Int) -> [String: String])?
    /// Each node's broadcast tree, if it runs one.
    let treeOfNode: ((Int) -> NodeCore.TreeConfiguration?)?

    /// A cluster of `size` nodes named `node-000`… at `127.x.y.z:7946`, none started yet. Without `serf` each
    /// node is a plain memberlist member; with it each runs Serf's layer too (`tags` gives each node's tags).
    /// `names` gives other names (two nodes may share one, to stage a name conflict). `broadcastTree` gives the
    /// nodes that carry user events and rumors on a broadcast tree their tree's configuration (`nil`: Serf's
    /// gossip only); it needs `serf`.
    public init(
        size: Int, settings: SWIM.Settings = .lan, network: NetworkConditions = NetworkConditions(), seed: UInt64,
        serf: Serf.Configuration? = nil, store: Replication.Store.Configuration? = nil,
        tags: ((Int) -> [String: String])? = nil, names nameOfNode: ((Int) -> String)? = nil,
        broadcastTree: ((Int) -> NodeCore.TreeConfiguration?)? = nil
    ) {
        precondition(size > 0 && size < 1 << 24, "a simulated cluster has 1 to 16,777,215 nodes")
        var configuration = NodeCore.Configuration()
        configuration.settings = settings
        configuration.serf = serf
        configuration.store = store
        self.configuration = configuration
        self.tagsOfNode = tags
        self.treeOfNode = broadcastTree
        self.settings = settings
        self.network = network
        self.seed = seed
        self.networkRandom = SeededRandom(seed: seed, stream: UInt64.max)
        self.group = Array(repeating: 0, count: size)
        let width = max(3, String(size - 1).count)
        cores.reserveCapacity(size)
        self.names.reserveCapacity(size)
        for index in 0..<size {
            let address = Self.address(ofNode: index)
            let digits = String(index)
            let name =
                nameOfNode?(index) ?? "node-" + String(repeating: "0", count: max(0, width - digits.count)) + digits
            indexByAddress[address] = index
            self.names.append(name)
            cores.append(
                Self.makeCore(
                    index, name: name, configuration: configuration, tags: tags, tree: broadcastTree, snapshot: nil,
                    replica: nil, at: .zero)
            )
            generators.append(SeededRandom(seed: seed, stream: UInt64(index)))
        }
        snapshots = Array(repeating: [], count: size)
        if store != nil { disks = Array(repeating: [], count: size) }
        states = Array(repeating: .stopped, count: size)
        epochs = Array(repeating: 0, count: size)
        held = Array(repeating: [], count: size)
    }

    /// The address of node `index`: `127.0.0.0/8` from `127.0.0.1` on, port 7946.
    public static func address(ofNode index: Int) -> NodeAddress {
        NodeAddress(ip: .v4(0x7F00_0000 | UInt32(index + 1)), port: 7946)
    }

    // MARK: - Looking at the cluster

    /// A core for node `index`, with its tags.
    func makeCore(_ index: Int, name: String, snapshot: Serf.Snapshot?, replica: Replication.Replica?) -> NodeCore {
        Self.makeCore(
            index, name: name, configuration: configuration, tags: tagsOfNode, tree: treeOfNode, snapshot: snapshot,
            replica: replica, at: now)
    }

    static func makeCore(
        _ index: Int, name: String, configuration: NodeCore.Configuration, tags: ((Int) -> [String: String])?,
        tree: ((Int) -> NodeCore.TreeConfiguration?)?, snapshot: Serf.Snapshot?, replica: Replication.Replica?,
        at now: Instant
    ) -> NodeCore {
        var configuration = configuration
        if let tags = tags?(index) { configuration.serf?.tags = tags }
        if let tree { configuration.broadcastTree = tree(index) }
        guard
            let core = try? NodeCore(
                name: name, address: Self.address(ofNode: index), configuration: configuration, restoring: snapshot,
                replica: replica, at: now)
        else { preconditionFailure("node \(index)'s tags do not fit in memberlist's metadata") }
        return core
    }

    /// Nodes in the cluster.
    public var size: Int { cores.count }

    /// The virtual time.
    public var now: Instant { scheduler.now }

    /// Node `index`'s membership protocol state.
    public func instance(_ index: Int) -> SWIM.Instance { cores[index].membership }

    /// Node `index`'s whole core.
    public func core(_ index: Int) -> NodeCore { cores[index] }

    /// Node `index`'s name.
    public func name(ofNode index: Int) -> String { names[index] }

    /// Node `index`'s process state.
    public func processState(ofNode index: Int) -> ProcessState { states[index] }

    /// What node `observer` believes about node `subject` (`nil`: it does not know it).
    public func status(of subject: Int, seenBy observer: Int) -> SWIM.Status? {
        cores[observer].membership.member(named: names[subject])?.status
    }

    /// Indices of running nodes.
    public var runningNodes: [Int] { states.indices.filter { states[$0] == .running } }

    /// `true` when every running node lists exactly the running nodes as alive and nothing else as alive.
    public var isConverged: Bool {
        // Counts first, without allocating, so that an unconverged cluster is told cheaply.
        var runningCount = 0
        for state in states where state == .running { runningCount += 1 }
        guard runningCount > 0 else { return false }
        for index in states.indices where states[index] == .running {
            guard cores[index].membership.aliveCount == runningCount else { return false }
        }
        let running = runningNodes
        return running.allSatisfy { index in
            running.allSatisfy { cores[index].membership.member(named: names[$0])?.status == .alive }
        }
    }

    // MARK: - Driving the cluster

    /// Starts node `index` at `instant`, joining through `seeds` (node indices; none for the first node).
    public func start(node index: Int, at instant: Instant? = nil, joiningThrough seeds: [Int] = []) {
        scheduler.schedule(.start(node: index, seeds: seeds), at: instant ?? now)
    }

    /// Starts every node, `spacing` apart, each joining through node `seed` (which starts first, alone).
    public func startAll(joiningThrough seed: Int = 0, spacing: Duration = .milliseconds(100)) {
        start(node: seed)
        var offset = Duration.zero
        for index in cores.indices where index != seed {
            offset += spacing
            start(node: index, at: now + offset, joiningThrough: [seed])
        }
    }

    /// Runs every event due up to `instant`, then leaves the clock there.
    public func run(until instant: Instant) {
        while let event = scheduler.next(notAfter: instant) {
            handle(event)
        }
        scheduler.advance(to: instant)
    }

    /// Runs for `duration` of virtual time.
    public func run(for duration: Duration) {
        run(until: now + duration)
    }

    /// Starts every node as members of an already formed cluster: each knows every other as alive at
    /// incarnation 1, with nothing left to gossip. Steady-state experiments skip the join storm this way.
    public func startAllFormed() {
        let members = cores.indices.map { index in
            SWIM.Member(
                name: names[index], address: Self.address(ofNode: index),
                metadata: cores[index].membership.localMember.metadata, incarnation: 1, status: .alive,
                statusChangedAt: now, protocolVersions: cores[index].membership.localMember.protocolVersions)
        }
        for index in cores.indices where states[index] == .stopped {
            states[index] = .running
            let effects =
                cores[index].start(at: now, using: &generators[index])
                + cores[index].bootstrap(members: members, at: now, using: &generators[index])
            apply(effects, from: index)
        }
    }

    /// Runs until `condition` holds or until `limit`; returns whether it held. The condition is checked once
    /// per distinct virtual instant, after every event due at that instant has run, so it never sees a state
    /// half-way through simultaneous events (and a large cluster is not re-examined after each of them).
    @discardableResult
    public func run(until limit: Instant, stoppingWhen condition: (SimulatedCluster) -> Bool) -> Bool {
        if condition(self) { return true }
        while let event = scheduler.next(notAfter: limit) {
            handle(event)
            if scheduler.nextInstant != scheduler.now, condition(self) { return true }
        }
        scheduler.advance(to: limit)
        return condition(self)
    }

    /// Kills node `index` at once: it stops answering and everything in flight to it is lost.
    public func crash(node index: Int) {
        states[index] = .crashed
        held[index] = []
    }

    /// Freezes node `index` like SIGSTOP: packets and timers wait until ``resume(node:)``.
    public func pause(node index: Int) {
        guard states[index] == .running else { return }
        states[index] = .paused
    }

    /// Lets a paused node run again; what it missed is handled now, in arrival order.
    public func resume(node index: Int) {
        guard states[index] == .paused else { return }
        states[index] = .running
        let waiting = held[index]
        held[index] = []
        for event in waiting {
            scheduler.schedule(event, at: now)
        }
    }

    /// Starts a new process for a crashed node under the same name and address, joining through `seeds`. With
    /// `restoringSnapshot`, Serf's layer resumes from the node's snapshot file (its clocks, and no event or query
    /// delivered again). The store reopens its disk unless `losingDisk`, when it starts empty.
    public func restart(
        node index: Int, joiningThrough seeds: [Int], restoringSnapshot: Bool = false, losingDisk: Bool = false
    ) {
        epochs[index] += 1
        let snapshot = restoringSnapshot ? Serf.Snapshot(text: snapshots[index].joined(separator: "\n")) : nil
        if losingDisk, !disks.isEmpty { disks[index] = [] }
        cores[index] = makeCore(
            index, name: names[index], snapshot: snapshot, replica: disks.isEmpty ? nil : disk(ofNode: index))
        generators[index] = SeededRandom(seed: seed, stream: UInt64(index) | UInt64(epochs[index]) << 32)
        states[index] = .stopped
        held[index] = []
        start(node: index, joiningThrough: seeds)
    }

    /// Node `index` leaves gracefully; it stops once its leave has been announced.
    public func leave(node index: Int) {
        guard states[index] == .running else { return }
        apply(cores[index].leave(at: now, using: &generators[index]), from: index)
    }

    /// Cuts the network into `groups` (node indices); packets and streams cross only within a group. Nodes in
    /// no group form one more group together.
    public func partition(_ groups: [[Int]]) {
        group = Array(repeating: 0, count: cores.count)
        for (number, members) in groups.enumerated() {
            for index in members { group[index] = number + 1 }
        }
    }

    /// Removes every partition.
    public func heal() {
        group = Array(repeating: 0, count: cores.count)
    }

    /// Replaces node `index`'s metadata, announcing it with a new incarnation.
    public func updateMetadata(node index: Int, _ metadata: [UInt8]) throws(WireError) {
        let effects = try cores[index].updateMetadata(metadata, at: now, using: &generators[index])
        apply(effects, from: index)
    }

    // MARK: - The engine

    func handle(_ event: Event) {
        let target = event.node
        switch states[target] {
        case .crashed, .departed:
            if case .datagram = event { traffic.packetsUndeliverable += 1 }
            if case .pushPullRequest(_, let from, let epoch, _) = event {
                failStream(of: from, epoch: epoch, peer: Self.address(ofNode: target))
            }
            if case .storeRequest(_, let from, let epoch, let session?, _) = event {
                failStoreRequest(of: from, epoch: epoch, session: session)
            }
            return
        case .paused:
            if case .pushPullRequest(_, let from, let epoch, _) = event {
                failStream(of: from, epoch: epoch, peer: Self.address(ofNode: target))
            } else if case .storeRequest(_, let from, let epoch, let session?, _) = event {
                failStoreRequest(of: from, epoch: epoch, session: session)
            } else if held[target].count < network.pausedBufferLimit {
                held[target].append(event)
            } else if case .datagram = event {
                traffic.packetsUndeliverable += 1
            }
            return
        case .stopped:
            guard case .start = event else { return }
        case .running:
            break
        }
        let now = scheduler.now
        let effects: [NodeCore.Effect]
        switch event {
        case .start(_, let seeds):
            guard states[target] == .stopped else { return }
            states[target] = .running
            effects =
                cores[target].start(at: now, using: &generators[target])
                + cores[target].join(seeds.map { Self.address(ofNode: $0) }, at: now, using: &generators[target])
        case .timer(_, let epoch, let timer):
            guard epoch == epochs[target] else { return }
            effects = cores[target].fire(timer, at: now, using: &generators[target])
        case .datagram(_, let sender, let messages):
            effects = cores[target].receive(messages, from: sender, at: now, using: &generators[target])
        case .pushPullRequest(_, let from, let epoch, let state):
            let answer = cores[target].answerPushPull(
                state, from: Self.address(ofNode: from), at: now, using: &generators[target])
            effects = answer.effects
            deliverStream(
                .pushPullReply(node: from, epoch: epoch, peer: Self.address(ofNode: target), state: answer.reply))
        case .pushPullReply(_, let epoch, let peer, let state):
            guard epoch == epochs[target] else { return }
            effects = cores[target].pushPullCompleted(state, from: peer, at: now, using: &generators[target])
        case .streamPingResult(_, let epoch, let sequenceNumber, let acknowledged):
            guard epoch == epochs[target] else { return }
            effects = cores[target].streamPingCompleted(
                sequenceNumber: sequenceNumber, acknowledged: acknowledged, at: now, using: &generators[target])
        case .persisted(_, let epoch, let batch, let entries):
            guard epoch == epochs[target] else { return }
            disks[target] += entries
            effects = cores[target].persisted(batch: batch, failure: nil, at: now, using: &generators[target])
        case .storeRequest(_, let from, let epoch, let session, let request):
            let answer = cores[target].answerReplication(request, at: now)
            effects = answer.effects
            if let session {
                deliverStream(.storeReply(node: from, epoch: epoch, session: session, reply: answer.reply))
            }
        case .storeReply(_, let epoch, let session, let reply):
            guard epoch == epochs[target] else { return }
            effects = cores[target].exchangeAnswered(
                session: session, reply: reply, at: now, using: &generators[target])
        case .streamMessage(_, let payload):
            effects = cores[target].receiveStreamMessage(payload, at: now, using: &generators[target])
        }
        apply(effects, from: target)
    }

    func apply(_ effects: [NodeCore.Effect], from index: Int) {
        for effect in effects {
            switch effect {
            case .send(let messages, let address, _):
                sendDatagram(messages, from: index, to: address)
            case .pushPull(let state, let address):
                openPushPull(state, from: index, to: address)
            case .streamPing(let ping, let address, let deadline):
                openStreamPing(ping, from: index, to: address, deadline: deadline)
            case .sendOverStream(let payload, let address):
                traffic.streamsOpened += 1
                traffic.streamBytesSent += payload.count
                // Lost with its receiver or to a partition, as a connection that cannot be made.
                guard let receiver = indexByAddress[address], group[index] == group[receiver] else { continue }
                deliverStream(.streamMessage(node: receiver, payload: payload))
            case .arm(let timer, let instant):
                scheduler.schedule(.timer(node: index, epoch: epochs[index], timer: timer), at: instant)
            case .event(let event):
                record(event, by: index)
            case .userEvent(let event):
                let delivery = Delivery(instant: now, node: index, event: event)
                if recordsLog { deliveries.append(delivery) }
                onDelivery?(delivery)
            case .query(let query):
                guard let payload = queryResponder?(index, query),
                    let answered = cores[index].respond(
                        toQuery: query.lamportTime, id: query.id, payload: payload, at: now,
                        using: &generators[index])
                else { continue }
                apply(answered, from: index)
            case .queryAnswer(let id, let answer):
                queryAnswers[index, default: [:]][id, default: []].append(answer)
            case .keyOperationFinished(let id, let result):
                keyOperationResults[index, default: [:]][id] = result
            case .snapshot(let lines):
                snapshots[index] += lines
            case .store(let effect):
                apply(effect, from: index)
            case .stop(let reason):
                stopReasons[index] = reason
                states[index] = .departed
            case .queryFinished, .keyringChanged, .flushSnapshot, .userMessage, .remoteState:
                break
            }
        }
    }

    func record(_ event: SWIM.MembershipEvent, by index: Int) {
        let entry = LogEntry(instant: now, observer: names[index], event: event)
        if recordsLog { log.append(entry) }
        onEvent?(entry)
        if case .leaveCompleted = event {
            states[index] = .departed
        }
    }

    func sendDatagram(_ messages: [SWIM.Message], from index: Int, to address: NodeAddress) {
        onDatagram?(index, address, messages)
        traffic.packetsSent += 1
        traffic.messagesSent += messages.count
        let sizing = cores[index].membership.sizing
        var bytes = messages.reduce(0) { $0 + sizing.encodedSize(of: $1) }
        if messages.count > 1 { bytes += 2 + 2 * messages.count }
        traffic.bytesSent += bytes
        guard let receiver = indexByAddress[address] else {
            traffic.packetsUndeliverable += 1
            return
        }
        guard group[index] == group[receiver] else {
            traffic.packetsPartitioned += 1
            return
        }
        if networkRandom.nextBool(probability: network.lossRate) || lostToBurst() {
            traffic.packetsLost += 1
            return
        }
        var arrival = now + network.latency.sample(using: &networkRandom)
        if !slowNodes.isEmpty { arrival = arrival + (slowNodes[index] ?? .zero) + (slowNodes[receiver] ?? .zero) }
        scheduler.schedule(
            .datagram(node: receiver, from: Self.address(ofNode: index), messages: messages), at: arrival)
    }

    /// Advances the bursty-loss channel by one datagram; returns whether it loses this one.
    func lostToBurst() -> Bool {
        guard let burst = network.burstLoss else { return false }
        if inBurst {
            if networkRandom.nextBool(probability: 1 / burst.meanBurstLength) { inBurst = false }
        } else if networkRandom.nextBool(probability: burst.burstStartProbability) {
            inBurst = true
        }
        return inBurst && networkRandom.nextBool(probability: burst.lossDuringBurst)
    }

    func openPushPull(_ state: SWIM.PushPull, from index: Int, to address: NodeAddress) {
        traffic.streamsOpened += 1
        let epoch = epochs[index]
        guard let receiver = indexByAddress[address], group[index] == group[receiver] else {
            // Nobody answers: the connection attempt times out.
            scheduler.schedule(
                .pushPullReply(node: index, epoch: epoch, peer: address, state: nil), at: now + settings.streamTimeout)
            return
        }
        deliverStream(.pushPullRequest(node: receiver, from: index, epoch: epoch, state: state))
    }

    /// A stream message arrives after one latency; streams are reliable unless a partition cuts them.
    func deliverStream(_ event: Event) {
        scheduler.schedule(event, at: now + network.latency.sample(using: &networkRandom))
    }

    /// The peer of a push-pull is gone or frozen: the initiator gives up at its stream timeout.
    func failStream(of initiator: Int, epoch: Int, peer: NodeAddress) {
        scheduler.schedule(
            .pushPullReply(node: initiator, epoch: epoch, peer: peer, state: nil), at: now + settings.streamTimeout)
    }

    func openStreamPing(_ ping: SWIM.Ping, from index: Int, to address: NodeAddress, deadline: Instant) {
        traffic.streamsOpened += 1
        let epoch = epochs[index]
        var acknowledged = false
        var answeredAt = deadline
        if let receiver = indexByAddress[address], group[index] == group[receiver],
            states[receiver] == .running,
            ping.target.isEmpty || ping.target == names[receiver]
        {
            var roundTrip =
                network.latency.sample(using: &networkRandom) + network.latency.sample(using: &networkRandom)
            if !slowNodes.isEmpty {
                roundTrip = roundTrip + ((slowNodes[index] ?? .zero) + (slowNodes[receiver] ?? .zero)) * 2
            }
            if now + roundTrip <= deadline {
                acknowledged = true
                answeredAt = now + roundTrip
            }
        }
        scheduler.schedule(
            .streamPingResult(
                node: index, epoch: epoch, sequenceNumber: ping.sequenceNumber, acknowledged: acknowledged),
            at: answeredAt)
    }
}

extension SimulatedCluster.Event {
    var node: Int {
        switch self {
        case .start(let node, _), .timer(let node, _, _), .datagram(let node, _, _),
            .pushPullRequest(let node, _, _, _), .pushPullReply(let node, _, _, _),
            .streamPingResult(let node, _, _, _), .persisted(let node, _, _, _), .storeRequest(let node, _, _, _, _),
            .storeReply(let node, _, _, _), .streamMessage(let node, _):
            return node
        }
    }
}
