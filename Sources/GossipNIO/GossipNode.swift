import GossipCore
import GossipStorage
import Logging
import MemberlistWire
import NIOCore
import NIOPosix
import NodeCore
import Replication
import SWIM
import Serf
import Synchronization

/// A real cluster member: ``SWIM/Instance`` driven over UDP and TCP on SwiftNIO with the real clock and system
/// randomness, speaking memberlist 0.2.2's wire format with Serf's conventions (tags in the metadata, Serf's
/// push-pull user state, a leave intent before a graceful leave), so that Serf agents take it for one of their own.
///
/// ```swift
/// var configuration = NodeConfiguration(name: "web-1")
/// configuration.tags = ["role": "web"]
/// let node = GossipNode(configuration: configuration)
/// try await node.start()
/// _ = await node.join([NodeAddress("127.0.0.1:7946")!])
/// for await event in node.events { print(event) }
/// ```
///
/// The node never stops on bad input: a datagram or stream that does not decode is dropped and counted in
/// ``statistics``.
public actor GossipNode {
    /// The configuration the node runs with.
    public nonisolated let configuration: NodeConfiguration
    /// Membership changes as the protocol reports them, for one consumer (the newest 4,096 are kept while nobody
    /// reads).
    public nonisolated let events: AsyncStream<SWIM.MembershipEvent>
    /// Shell counters: traffic and drops.
    public private(set) var statistics = NodeStatistics()
    /// Records of the control endpoint's feeds (`stream`, `monitor`, `kv-watch`, query answers) dropped because
    /// their client was not reading: each connection holds at most 256 KiB of them.
    public nonisolated let feedStatistics = FeedStatistics()
    /// Admits the streams peers open: at most 128 at once, and a bounded rate from each source address.
    nonisolated let inboundStreams = InboundStreamGate()
    /// Datagrams dropped because the receive queue (8,192 datagrams) was full: a flood, or a node too busy.
    public nonisolated let receiveQueueOverflows = OverflowCounter()

    /// Inbound streams refused because 128 were already open, and because their source was over its rate.
    public nonisolated var inboundStreamRefusals: (busy: Int, rateLimited: Int) { inboundStreams.refusals }
    /// The last datagram's messages, kept so that decoding the next one reuses their storage.
    var receivedPacket = PacketCodec.DecodedPacket()

    let logger: Logger
    let group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton
    let clock = ContinuousClock()
    let origin: ContinuousClock.Instant
    let eventContinuation: AsyncStream<SWIM.MembershipEvent>.Continuation
    var instance: SWIM.Instance?
    var rng = SystemRandomNumberGenerator()
    var serf = SerfCompatibility()
    var datagramChannel: (any Channel)?
    /// The UDP socket's sending side.
    var datagramSocket: DatagramSocket?
    /// Datagrams the system refused to send (`EPERM` from a firewall rule, `ENOBUFS`, a full send buffer …): each
    /// is counted and the socket goes on.
    public var datagramSendErrors: Int { datagramSocket?.sendErrors ?? 0 }
    /// The receive queue the UDP socket feeds.
    var datagramContinuation: AsyncStream<DatagramHandler.Datagram>.Continuation?
    var streamChannel: (any Channel)?
    var rpcChannel: (any Channel)?
    var datagramTask: Task<Void, Never>?
    /// `true` from ``start()`` until the node stops (a leave, or ``shutdown()``).
    public private(set) var isRunning = false
    /// `true` once the node has stopped; it does not start again.
    var hasStopped = false
    var stopWaiters: [CheckedContinuation<Void, Never>] = []
    var leaveWaiters: [CheckedContinuation<Void, Never>] = []
    var answeredQueries: Set<QueryIdentity> = []
    var queryResponder: (@Sendable (SerfMessage.Query) async -> [UInt8]?)?
    var querySubscribers: [UInt64: AsyncStream<SerfMessage.Query>.Continuation] = [:]
    var openQueries: [QueryIdentity: OpenQuery] = [:]
    /// The control endpoint's authentication key (`--rpc-auth`), if any.
    var rpcAuthKey: String?
    var pendingQueries: [UInt32: PendingQuery] = [:]
    var subscribers: [UInt64: AsyncStream<SWIM.MembershipEvent>.Continuation] = [:]
    var userEventSubscribers: [UInt64: AsyncStream<SerfMessage.UserEvent>.Continuation] = [:]
    var nextSubscriber: UInt64 = 0
    /// The keyring as the event-loop handlers see it; follows key rotations.
    nonisolated let sharedKeyring: SharedKeyring
    /// The replica of the key-value store (durable when a data directory is configured).
    var replica = ReplicaLog.inMemory()
    var hybridClock: Replication.HybridLogicalClock
    var rumors = Replication.UpdateRumors()
    var keyValueWatchers: [UInt64: KeyValueWatcher] = [:]
    var aggregates = AggregateTable()
    var replicationTasks: [Task<Void, Never>] = []
    var snapshot: SnapshotFile?
    var snapshotTask: Task<Void, Never>?
    var reaperTask: Task<Void, Never>?
    var memberReaper = Serf.MemberReaper()
    var coalescer: Serf.UserEventCoalescer<SerfMessage.UserEvent>?
    var lastKnownMembers: [String: SWIM.Member] = [:]
    /// `true` once a graceful leave has begun: a leave intent about this node is then not refuted.
    var isLeaving = false
    var resolvingNameConflict = false
    var antiEntropyInFlight = false
    /// Replication counters (``ReplicationStatistics/keys`` and the log figures are filled in when read).
    var replicationCounters = ReplicationStatistics()

    /// A node that does nothing until ``start()``.
    public init(configuration: NodeConfiguration, logger: Logger? = nil) {
        self.configuration = configuration
        var logger = logger ?? Logger(label: "gossip.node")
        logger[metadataKey: "gossip.node"] = "\(configuration.name)"
        self.logger = logger
        origin = clock.now
        // Bounded, so that a node nobody listens to does not hoard events.
        (events, eventContinuation) = AsyncStream.makeStream(
            of: SWIM.MembershipEvent.self, bufferingPolicy: .bufferingNewest(4096))
        sharedKeyring = SharedKeyring(configuration.keyring)
        hybridClock = Replication.HybridLogicalClock(node: Self.replicaIdentifier(of: configuration.name))
        memberReaper.reconnectTimeout = configuration.reconnectTimeout
        memberReaper.tombstoneTimeout = configuration.tombstoneTimeout
    }

    // MARK: - Looking at the node

    /// The address the listeners are bound to (with the real port when the configuration asked for port 0).
    public private(set) var boundAddress: NodeAddress?

    /// Every member this node knows, itself included, sorted by name.
    public var members: [SWIM.Member] { instance?.members ?? [] }

    /// The protocol's own counters.
    public var protocolStatistics: SWIM.Statistics { instance?.statistics ?? SWIM.Statistics() }

    /// This node's own member record.
    public var localMember: SWIM.Member? { instance?.localMember }

    var now: Instant { Instant(nanoseconds: (clock.now - origin).nanoseconds) }

    /// Time since the node was made, for Serf's intent timeouts.
    var sinceStart: Duration { clock.now - origin }

    /// The packet layers with the current keyring (it follows `serf keys` rotations).
    var packetCodec: PacketCodec {
        var codec = PacketCodec(keyring: sharedKeyring.value)
        codec.compression = configuration.compression
        return codec
    }

    /// The stream framing with the current keyring; the event-loop handlers use it too.
    nonisolated var streamCodec: StreamCodec {
        var codec = StreamCodec(keyring: sharedKeyring.value)
        codec.compression = configuration.compression
        return codec
    }

    // MARK: - Lifecycle

    /// Binds the UDP and TCP listeners on one port and starts probing, gossip and push-pull.
    public func start() async throws {
        guard !isRunning else { return }
        try openReplica()
        let previousMembers = try openSnapshot()
        // Bounded like a socket buffer: under a flood the newest datagrams are dropped, never memory exhausted.
        let (datagrams, datagramContinuation) = AsyncStream.makeStream(
            of: DatagramHandler.Datagram.self, bufferingPolicy: .bufferingOldest(8192))
        self.datagramContinuation = datagramContinuation
        let bind = configuration.bindAddress
        // With port 0 the UDP socket picks a port that TCP may not have free (an outgoing connection can hold
        // it): try again with another, a few times.
        var attempt = 0
        var sockets: (udp: any Channel, tcp: any Channel, bound: NodeAddress)?
        while sockets == nil {
            attempt += 1
            let (socket, udp) = try await openDatagramChannel(on: bind)
            guard let port = udp.localAddress?.port else {
                throw WireError.invalidField(name: "bind", reason: "no port")
            }
            let bound = NodeAddress(ip: bind.ip, port: UInt16(port))
            do {
                let tcp = try await ListenerError.binding("gossip (TCP)", on: bound) {
                    try await streamServer(on: bound)
                }
                sockets = (udp, tcp, bound)
                datagramSocket = socket
            } catch {
                try? await udp.close()
                socket.close()
                if bind.port != 0 || attempt >= 20 { throw error }
            }
        }
        guard let (udp, tcp, bound) = sockets else { return }
        datagramChannel = udp
        streamChannel = tcp
        boundAddress = bound

        var instance = SWIM.Instance(
            name: configuration.name, address: configuration.advertiseAddress ?? bound,
            metadata: try SerfTags.encode(advertisedTags), settings: settings, at: now)
        let effects = instance.start(at: now, using: &rng)
        self.instance = instance
        isRunning = true
        datagramTask = Task { [weak self] in
            for await datagram in datagrams {
                await self?.handle(datagram)
            }
        }
        logger.info("listening", metadata: ["gossip.address": "\(bound)"])
        execute(effects)
        startReplication()
        startSnapshots(rejoining: previousMembers)
        reaperTask = repeating(every: configuration.reapInterval) { node in await node.reapMembers() }
    }

    /// The settings with the packet overhead of encryption accounted for.
    var settings: SWIM.Settings {
        var settings = configuration.settings
        if configuration.keyring != nil { settings.packetOverhead = Keyring.overhead }
        return settings
    }

    /// Joins the cluster through `seeds`: a push-pull with each. Returns how many answered.
    @discardableResult
    public func join(_ seeds: [NodeAddress]) async -> Int {
        guard isRunning, var instance else { return 0 }
        let effects = instance.join(seeds, at: now, using: &rng)
        self.instance = instance
        var joined = 0
        for effect in effects {
            guard case .pushPull(let state, let address) = effect else {
                execute([effect])
                continue
            }
            if await exchangePushPull(state, with: address) { joined += 1 }
        }
        logger.info("join", metadata: ["gossip.seeds": "\(seeds)", "gossip.answered": "\(joined)"])
        return joined
    }

    /// Leaves gracefully: a Serf leave intent to every live member, then memberlist's leave (a `dead` about
    /// itself), waiting up to ``NodeConfiguration/leaveTimeout`` for it to go out and lingering
    /// ``NodeConfiguration/leavePropagationDelay``; then the node stops.
    public func leave() async {
        guard isRunning, let instance else { return }
        isLeaving = true
        snapshot?.append(Serf.Snapshot.leaveLine)
        flushSnapshot()
        let intent = serf.leaveIntent(about: configuration.name)
        for member in instance.members where member.name != configuration.name && member.status == .alive {
            send([.user(intent)], to: member.address, destination: member.name)
        }
        try? await Task.sleep(for: configuration.settings.gossipInterval, clock: clock)
        guard var current = self.instance else { return }
        let effects = current.leave(at: now, using: &rng)
        self.instance = current
        execute(effects)
        if !leaveCompleted {
            // Until the protocol reports the announcement sent, or the leave timeout, whichever comes first.
            let timeout = configuration.leaveTimeout
            let timer = Task {
                try? await Task.sleep(for: timeout)
                self.resumeLeaveWaiters()
            }
            await withCheckedContinuation { leaveWaiters.append($0) }
            timer.cancel()
        }
        try? await Task.sleep(for: configuration.leavePropagationDelay, clock: clock)
        await shutdown()
    }

    /// Stops at once, without telling anyone (peers will find the node failed).
    public func shutdown() async {
        guard isRunning else { return }
        isRunning = false
        hasStopped = true
        resumeLeaveWaiters()
        datagramTask?.cancel()
        for task in replicationTasks { task.cancel() }
        replicationTasks = []
        snapshotTask?.cancel()
        reaperTask?.cancel()
        flushSnapshot()
        try? await datagramChannel?.close()
        datagramSocket?.close()
        try? await streamChannel?.close()
        try? await rpcChannel?.close()
        eventContinuation.finish()
        for subscriber in subscribers.values { subscriber.finish() }
        subscribers = [:]
        for subscriber in userEventSubscribers.values { subscriber.finish() }
        userEventSubscribers = [:]
        for watcher in keyValueWatchers.values { watcher.continuation.finish() }
        for subscriber in querySubscribers.values { subscriber.finish() }
        querySubscribers = [:]
        keyValueWatchers = [:]
        let waiters = stopWaiters
        stopWaiters = []
        for waiter in waiters { waiter.resume() }
        logger.info("stopped")
    }

    /// A new stream of membership events from now on, for as many listeners as want one (``events`` has one
    /// consumer); it may be taken before ``start()`` and ends when the node stops or the listener stops iterating.
    public func subscribe() -> AsyncStream<SWIM.MembershipEvent> {
        makeSubscription { subscribers[$0] = $1 }
    }

    /// A stream whose continuation `register` keeps (under the key it is given) until the listener stops or the
    /// node does. It holds the newest `buffering` elements its listener has not taken yet (1,024 by default; the
    /// key-value watch, whose elements can be 64 KiB each, keeps 32).
    func makeSubscription<Element: Sendable>(
        buffering: Int = 1024, _ register: (UInt64, AsyncStream<Element>.Continuation) -> Void
    ) -> AsyncStream<Element> {
        let (stream, continuation) = AsyncStream.makeStream(
            of: Element.self, bufferingPolicy: .bufferingNewest(buffering))
        guard !hasStopped else {
            continuation.finish()
            return stream
        }
        nextSubscriber += 1
        let key = nextSubscriber
        register(key, continuation)
        continuation.onTermination = { [weak self] _ in Task { await self?.unsubscribe(key) } }
        return stream
    }

    func unsubscribe(_ key: UInt64) {
        subscribers[key] = nil
        userEventSubscribers[key] = nil
        keyValueWatchers[key] = nil
        querySubscribers[key] = nil
    }

    /// Returns once the node has stopped.
    public func waitUntilStopped() async {
        guard isRunning else { return }
        await withCheckedContinuation { stopWaiters.append($0) }
    }

    /// The protocol's health score (0 is healthy).
    public var healthScore: Int { instance?.healthScore ?? 0 }

    var leaveCompleted = false

    func resumeLeaveWaiters() {
        let waiters = leaveWaiters
        leaveWaiters = []
        for waiter in waiters { waiter.resume() }
    }

    // MARK: - Inputs

    func handle(_ datagram: DatagramHandler.Datagram) {
        guard isRunning, var instance else { return }
        statistics.packetsIn += 1
        statistics.bytesIn += datagram.bytes.count
        do {
            try packetCodec.decode(datagram.bytes, into: &receivedPacket)
        } catch {
            countDrop(error)
            statistics.packetsDropped += 1
            logger.debug(
                "dropped a datagram", metadata: ["gossip.from": "\(datagram.sender)", "gossip.error": "\(error)"])
            return
        }
        for error in receivedPacket.partErrors {
            countDrop(error)
            statistics.partsDropped += 1
            logger.debug(
                "dropped a part of a datagram",
                metadata: ["gossip.from": "\(datagram.sender)", "gossip.error": "\(error)"])
        }
        var effects: [SWIM.Effect] = []
        var serfMessages: [(message: SerfMessage, payload: [UInt8])] = []
        for message in receivedPacket.messages {
            if case .user(let payload) = message, ReplicationPayload.isReplication(payload) {
                receiveReplication(payload, from: datagram.sender)
                continue
            }
            if case .user(let payload) = message, let serfMessage = try? SerfMessage(decoding: payload) {
                serf.observe(serfMessage)
                serfMessages.append((serfMessage, payload))
            }
            effects += instance.receive(message, from: datagram.sender, at: now, using: &rng)
        }
        self.instance = instance
        execute(effects)
        for (message, payload) in serfMessages { handle(message, payload: payload) }
    }

    func fire(_ timer: SWIM.Timer) {
        guard isRunning, var instance else { return }
        let effects = instance.fire(timer, at: now, using: &rng)
        self.instance = instance
        execute(effects)
    }

    /// The answer to a stream a peer opened: our state for a push-pull (merging theirs), an ack for a ping.
    func answerStream(_ message: StreamMessage, from remote: NodeAddress) -> [UInt8]? {
        guard isRunning, var instance else { return nil }
        switch message {
        case .pushPull(let state):
            serf.observe(userState: state.userState)
            var (reply, effects) = instance.answerPushPull(state, from: remote, at: now, using: &rng)
            self.instance = instance
            reply.userState = serf.pushPullUserState(localName: configuration.name)
            execute(effects)
            return streamCodec.encode(.pushPull(reply), using: &rng)
        case .ping(let ping):
            guard ping.target.isEmpty || ping.target == configuration.name else { return nil }
            return streamCodec.encode(.ack(SWIM.Ack(sequenceNumber: ping.sequenceNumber)), using: &rng)
        case .user(let payload):
            if ReplicationPayload.isReplication(payload) {
                return answerReplicationStream(payload).map { streamCodec.encode(.user($0), using: &rng) }
            }
            serf.observe(userState: payload)
            return nil
        case .ack, .error:
            return nil
        }
    }

    func streamRefused(_ error: WireError) {
        statistics.streamsRefused += 1
        countDrop(error)
    }

    func countDrop(_ error: WireError) {
        statistics.dropsByReason[error.kind, default: 0] += 1
    }

    // MARK: - Effects

    func execute(_ effects: [SWIM.Effect]) {
        for effect in effects {
            switch effect {
            case .send(let messages, let address, let destination):
                send(messages, to: address, destination: destination)
            case .pushPull(let state, let address):
                Task { await self.exchangePushPull(state, with: address) }
            case .streamPing(let ping, let address, let deadline):
                Task { await self.streamPing(ping, to: address, deadline: deadline) }
            case .arm(let timer, let instant):
                let wake = origin.advanced(by: .nanoseconds(instant.nanoseconds))
                Task { [weak self] in
                    try? await Task.sleep(until: wake, clock: ContinuousClock())
                    await self?.fire(timer)
                }
            case .event(let event):
                recordInSnapshot(event)
                if case .nameConflict(let claimant) = event {
                    Task { await self.resolveNameConflict(claimant: claimant) }
                }
                if case .leaveCompleted = event {
                    leaveCompleted = true
                    resumeLeaveWaiters()
                }
                guard trackSerfMember(event) else {
                    logger.debug("\(event)")
                    continue
                }
                logger.info("\(event)")
                eventContinuation.yield(event)
                for subscriber in subscribers.values { subscriber.yield(event) }
            }
        }
    }

    /// Binds the UDP socket on `address` and has SwiftNIO read it into the node's receive queue; sends go
    /// through ``DatagramSocket`` directly, so that a send error never closes the socket.
    func openDatagramChannel(on address: NodeAddress) async throws -> (socket: DatagramSocket, channel: any Channel) {
        guard let continuation = datagramContinuation else { throw ChannelError.ioOnClosedChannel }
        let overflows = receiveQueueOverflows
        let logger = self.logger
        return try await ListenerError.binding("gossip (UDP)", on: address) { [group] in
            let socket = try DatagramSocket(binding: address)
            let reading = try socket.descriptorForReading()
            do {
                let channel = try await DatagramBootstrap(group: group)
                    .channelInitializer { channel in
                        channel.eventLoop.makeCompletedFuture {
                            try channel.pipeline.syncOperations.addHandler(
                                DatagramHandler(continuation: continuation, overflows: overflows, logger: logger))
                        }
                    }
                    .withBoundSocket(reading).get()
                return (socket, channel)
            } catch {
                // SwiftNIO owns `reading` from here on (it closes it with the channel it failed to make).
                socket.close()
                throw error
            }
        }
    }

    func send(_ messages: [SWIM.Message], to address: NodeAddress, destination: String?) {
        guard let socket = datagramSocket, let remote = try? address.socketAddress() else { return }
        // memberlist adds a CRC for named destinations that understand protocol 5.
        let addChecksum =
            destination.flatMap { instance?.member(named: $0) }.map {
                $0.protocolVersions.protocolMax >= 5
            } ?? false
        for packet in packetCodec.encode(messages, addChecksum: addChecksum, using: &rng) {
            statistics.packetsOut += 1
            statistics.bytesOut += packet.count
            socket.send(packet, to: remote)
        }
    }

    /// A push-pull this node started; reports the outcome to the protocol. Returns whether the peer answered.
    @discardableResult
    func exchangePushPull(_ state: SWIM.PushPull, with address: NodeAddress) async -> Bool {
        var state = state
        state.userState = serf.pushPullUserState(localName: configuration.name)
        let request = streamCodec.encode(.pushPull(state), using: &rng)
        let answer = await exchange(request, with: address, timeout: configuration.settings.streamTimeout)
        guard isRunning, var instance else { return false }
        var remote: SWIM.PushPull?
        if case .pushPull(let reply)? = answer {
            remote = reply
            serf.observe(userState: reply.userState)
        } else {
            statistics.streamsFailed += 1
            logger.debug("push-pull failed", metadata: ["gossip.peer": "\(address)"])
        }
        let effects = instance.pushPullCompleted(remote, from: address, at: now, using: &rng)
        self.instance = instance
        execute(effects)
        return remote != nil
    }

    func streamPing(_ ping: SWIM.Ping, to address: NodeAddress, deadline: Instant) async {
        let request = streamCodec.encode(.ping(ping), using: &rng)
        let timeout = max(.milliseconds(1), deadline - now)
        let answer = await exchange(request, with: address, timeout: timeout)
        var acknowledged = false
        if case .ack(let ack)? = answer, ack.sequenceNumber == ping.sequenceNumber { acknowledged = true }
        guard isRunning, var instance else { return }
        let effects = instance.streamPingCompleted(
            sequenceNumber: ping.sequenceNumber, acknowledged: acknowledged, at: now, using: &rng)
        self.instance = instance
        execute(effects)
    }

    // MARK: - Sockets

    nonisolated func streamServer(on address: NodeAddress) async throws -> any Channel {
        let node = self
        let timeout = TimeAmount.nanoseconds(configuration.settings.streamTimeout.nanoseconds)
        return try await ServerBootstrap(group: group)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .serverChannelOption(.backlog, value: 256)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(
                        StreamServerHandler(
                            codec: { node.streamCodec }, timeout: timeout, gate: node.inboundStreams,
                            answer: { message, remote in await node.answerStream(message, from: remote) },
                            onError: { error in Task { await node.streamRefused(error) } }))
                }
            }
            .bind(host: address.ip.description, port: Int(address.port)).get()
    }

    /// Opens a connection to `address`, writes `request` and reads one answer, within `timeout`.
    nonisolated func exchange(
        _ request: [UInt8], with address: NodeAddress, timeout: Duration
    ) async -> StreamMessage? {
        guard let remote = try? address.socketAddress() else { return nil }
        let loop = group.next()
        let promise = loop.makePromise(of: StreamMessage.self)
        let codec = streamCodec
        let amount = TimeAmount.nanoseconds(max(1_000_000, timeout.nanoseconds))
        let deadline = loop.scheduleTask(in: amount) {
            promise.fail(WireError.truncated(context: "an answer before the stream timeout", needed: 1))
        }
        do {
            let channel = try await ClientBootstrap(group: loop)
                .connectTimeout(amount)
                .channelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.addHandler(
                            StreamClientHandler(request: request, codec: codec, promise: promise))
                    }
                }
                .connect(to: remote).get()
            promise.futureResult.whenComplete { _ in channel.close(promise: nil) }
        } catch {
            promise.fail(error)
        }
        defer { deadline.cancel() }
        return try? await promise.futureResult.get()
    }
}

/// A keyring shared between the node and its event-loop handlers, so that a key rotation reaches both.
final class SharedKeyring: Sendable {
    private let box: Mutex<Keyring?>

    init(_ keyring: Keyring?) {
        box = Mutex(keyring)
    }

    var value: Keyring? { box.withLock { $0 } }

    func set(_ keyring: Keyring?) { box.withLock { $0 = keyring } }
}
