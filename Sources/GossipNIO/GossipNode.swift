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

/// A real cluster member: a `NodeCore.NodeCore` (memberlist's membership protocol and Serf's layer, one pure
/// value) driven over UDP and TCP on SwiftNIO with the real clock and system randomness, speaking memberlist
/// 0.2.2's wire format with Serf's conventions, so that Serf agents take it for one of their own.
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
/// The node is a shell: it owns the sockets, one timer queue, the durable logs and the control endpoint, and
/// carries out what the core decides. Its work runs in ``run()``'s task group (``GossipNodeService`` calls it;
/// ``start()`` binds and runs it in the background). It never stops on bad input: a datagram or stream that
/// does not decode is dropped and counted in ``statistics``.
public actor GossipNode {
    /// The configuration the node runs with.
    public nonisolated let configuration: NodeConfiguration
    /// Membership changes as Serf lists members, for one consumer (the newest 4,096 are kept while nobody reads).
    public nonisolated let events: AsyncStream<SWIM.MembershipEvent>
    /// Shell counters: traffic and drops.
    public internal(set) var statistics = NodeStatistics()
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
    /// The event loop the node runs on: the actor's executor, its UDP socket's reads and its timers, so that a
    /// datagram, a timer and the node's answer to them need no switch of thread.
    public nonisolated let loop: any EventLoop = MultiThreadedEventLoopGroup.singleton.next()

    /// The node's work runs on ``loop``.
    public nonisolated var unownedExecutor: UnownedSerialExecutor { loop.executor.asUnownedSerialExecutor() }
    let clock = ContinuousClock()
    let origin: ContinuousClock.Instant
    let eventContinuation: AsyncStream<SWIM.MembershipEvent>.Continuation
    /// The protocol: membership, Serf's layer and the routing between them.
    var core: NodeCore?
    var rng = SystemRandomNumberGenerator()
    var datagramChannel: (any Channel)?
    /// The UDP socket's sending side.
    var datagramSocket: DatagramSocket?
    /// Datagrams the system refused to send (`EPERM` from a firewall rule, `ENOBUFS`, a full send buffer …): each
    /// is counted and the socket goes on.
    public var datagramSendErrors: Int { datagramSocket?.sendErrors ?? 0 }
    /// The receive queue the UDP socket feeds, and its reading end until ``run()`` takes it.
    var datagramContinuation: AsyncStream<DatagramHandler.Datagram>.Continuation?
    var datagrams: AsyncStream<DatagramHandler.Datagram>?
    var streamChannel: (any Channel)?
    var rpcChannel: (any Channel)?
    var httpChannel: (any Channel)?
    /// Work handed to ``run()``'s task group: stream exchanges, query responders, the rejoin.
    let work: AsyncStream<@Sendable () async -> Void>
    let workContinuation: AsyncStream<@Sendable () async -> Void>.Continuation
    /// The core's timers, fired by one loop in ``run()``.
    var timers = TimerQueue<NodeCore.Timer>()
    nonisolated let alarm: Alarm
    /// `true` from ``start()`` until the node stops (a leave, or ``shutdown()``).
    public private(set) var isRunning = false
    /// `true` once the node has stopped; it does not start again.
    var hasStopped = false
    /// `true` once ``run()`` has begun (it runs once).
    var hasRun = false
    var stopWaiters: [CheckedContinuation<Void, Never>] = []
    var queryResponder: (@Sendable (SerfMessage.Query) async -> [UInt8]?)?
    var querySubscribers: [UInt64: AsyncStream<SerfMessage.Query>.Continuation] = [:]
    /// Queries this node asked, by ID, and the streams their answers go to.
    var pendingQueries: [UInt32: AsyncStream<QueryAnswer>.Continuation] = [:]
    /// Key operations this node asked, by query ID.
    var pendingKeyOperations: [UInt32: CheckedContinuation<KeyOperationResult, Never>] = [:]
    /// The control endpoint's authentication key (`--rpc-auth`), if any.
    var rpcAuthKey: String?
    var subscribers: [UInt64: AsyncStream<SWIM.MembershipEvent>.Continuation] = [:]
    /// The metrics the node's figures are exported to, if any.
    var exportedMetrics: NodeMetrics?
    var userEventSubscribers: [UInt64: AsyncStream<SerfMessage.UserEvent>.Continuation] = [:]
    var nextSubscriber: UInt64 = 0
    /// The keyring as the event-loop handlers see it; follows key rotations.
    nonisolated let sharedKeyring: SharedKeyring
    /// The replica's log, when replication has a data directory (the store itself is in the core).
    var replicaFile: ReplicaFile?
    /// The batches the persist loop makes durable, in order.
    let persistJobs = AsyncStream.makeStream(of: ReplicaFile.Job.self)
    /// Batches of a store without a data directory, durable as soon as asked (reported once the effects that
    /// asked are carried out).
    var durableInMemory: [UInt64] = []
    /// Local writes waiting to be durable, by the store's write identifier.
    var pendingWrites: [UInt64: CheckedContinuation<Result<Replication.Store.Acknowledgement, KeyValueError>, Never>] =
        [:]
    /// Anti-entropy exchanges callers of ``synchronize(with:)`` wait for, by session.
    var pendingSynchronizations:
        [UInt64: CheckedContinuation<Result<Replication.AntiEntropyInitiator.Outcome, KeyValueError>, Never>] = [:]
    var keyValueWatchers: [UInt64: KeyValueWatcher] = [:]
    var snapshot: SnapshotFile?
    /// Members to rejoin from the snapshot once running.
    var rejoinAddresses: [NodeAddress] = []

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
        (work, workContinuation) = AsyncStream.makeStream(of: (@Sendable () async -> Void).self)
        alarm = Alarm(loop: loop)
        sharedKeyring = SharedKeyring(configuration.keyring)
    }

    // MARK: - Looking at the node

    /// The address the listeners are bound to (with the real port when the configuration asked for port 0).
    public private(set) var boundAddress: NodeAddress?

    /// Every member memberlist knows, this node included, sorted by name (``clusterMembers`` adds the failed and
    /// left members Serf keeps listed).
    public var members: [SWIM.Member] { core?.membership.members ?? [] }

    /// The protocol's own counters.
    public var protocolStatistics: SWIM.Statistics { core?.membership.statistics ?? SWIM.Statistics() }

    /// This node's own member record.
    public var localMember: SWIM.Member? { core?.membership.localMember }

    /// The protocol's health score (0 is healthy).
    public var healthScore: Int { core?.membership.healthScore ?? 0 }

    /// Exports the node's figures to `metrics` whenever ``refreshMetrics()`` is called (the HTTP API's and the
    /// metrics endpoint's scrapes call it), rather than on a timer.
    public func exportMetrics(to metrics: NodeMetrics) {
        exportedMetrics = metrics
    }

    /// Brings the exported metrics (``exportMetrics(to:)``) up to date; nothing if there are none.
    public func refreshMetrics() {
        exportedMetrics?.update(
            protocol: protocolStatistics, shell: statistics, members: members, healthScore: healthScore)
    }

    var now: Instant { Instant(nanoseconds: (clock.now - origin).nanoseconds) }

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

    /// Bytes encryption adds to every packet (none without a keyring).
    var packetOverhead: Int { configuration.keyring != nil ? Keyring.overhead : 0 }

    /// What the core runs with, from the node's configuration.
    var coreConfiguration: NodeCore.Configuration {
        var core = NodeCore.Configuration()
        core.settings = configuration.settings
        core.settings.packetOverhead = packetOverhead
        core.leaveTimeout = configuration.leaveTimeout
        core.leavePropagationDelay = configuration.leavePropagationDelay
        var serf = Serf.Configuration()
        serf.tags = configuration.tags
        serf.reconnectTimeout = configuration.reconnectTimeout
        serf.tombstoneTimeout = configuration.tombstoneTimeout
        serf.reapInterval = configuration.reapInterval
        serf.userEventCoalescing = configuration.userEventCoalescing
        serf.recordsSnapshot = configuration.snapshotPath != nil
        serf.keyring = configuration.keyring
        if configuration.disableCoordinates { serf.coordinates = nil }
        core.serf = configuration.plainMemberlist ? nil : serf
        core.metadata = configuration.metadata
        core.store = configuration.replication
        core.broadcastTree = configuration.broadcastTree
        return core
    }

    // MARK: - Lifecycle

    /// Binds the UDP and TCP listeners on one port and runs the node (``run()``) in the background. Under a
    /// ``GossipNodeService``, which calls ``bind()`` and ``run()`` itself, the node's work stays in the
    /// service's task.
    public func start() async throws {
        guard !isRunning else { return }
        try await bind()
        Task { await self.run() }
    }

    /// Opens the replica and the snapshot, binds the UDP and TCP listeners on one port, and starts the protocol
    /// (nothing is received or fired until ``run()``).
    public func bind() async throws {
        guard !isRunning, !hasStopped else { return }
        if configuration.plainMemberlist, configuration.replication != nil {
            throw KeyValueError("the replicated store needs Serf's layer: a plain memberlist member cannot replicate")
        }
        let replica = try openReplica()
        let previous = try openSnapshot()
        // Bounded like a socket buffer: under a flood the newest datagrams are dropped, never memory exhausted.
        let (datagrams, datagramContinuation) = AsyncStream.makeStream(
            of: DatagramHandler.Datagram.self, bufferingPolicy: .bufferingOldest(8192))
        self.datagramContinuation = datagramContinuation
        self.datagrams = datagrams
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
        var core = try NodeCore(
            name: configuration.name, address: configuration.advertiseAddress ?? bound,
            configuration: coreConfiguration, restoring: snapshot?.state, replica: replica, at: now)
        core.anchorWallClock(milliseconds: wallMilliseconds, at: now)
        let effects = core.start(at: now, using: &rng)
        self.core = core
        isRunning = true
        rejoinAddresses = previous
        logger.info("listening", metadata: ["gossip.address": "\(bound)"])
        execute(effects)
    }

    /// Runs the node until it stops: the receive loop, the timer loop, the replica's persist loop and every
    /// stream exchange, all in one task group. Returns when the node has stopped; runs once.
    public func run() async {
        guard isRunning, !hasRun, let datagrams else { return }
        hasRun = true
        self.datagrams = nil
        rejoinFromSnapshot()
        let work = self.work
        await withDiscardingTaskGroup { group in
            group.addTask { await self.receive(datagrams) }
            group.addTask { await self.runTimers() }
            group.addTask { await self.runPersistence() }
            for await job in work { group.addTask { await job() } }
            group.cancelAll()
        }
    }

    /// Hands `job` to ``run()``'s task group.
    nonisolated func spawn(_ job: @escaping @Sendable () async -> Void) {
        workContinuation.yield(job)
    }

    /// Joins the cluster through `seeds`: a push-pull with each. Returns how many answered.
    @discardableResult
    public func join(_ seeds: [NodeAddress]) async -> Int {
        guard isRunning, core != nil else { return 0 }
        let effects = core!.join(seeds, at: now, using: &rng)
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

    /// Leaves gracefully and returns once the node has stopped: a Serf leave intent to every live member, then
    /// memberlist's leave (a `dead` about itself), waiting up to ``NodeConfiguration/leaveTimeout`` for it to go
    /// out and lingering ``NodeConfiguration/leavePropagationDelay``.
    public func leave() async {
        beginLeave()
        await waitUntilStopped()
    }

    /// Begins a graceful leave without waiting for it (see ``leave()``).
    public func beginLeave() {
        guard isRunning, core != nil else { return }
        let effects = core!.leave(at: now, using: &rng)
        execute(effects)
    }

    /// Stops at once, without telling anyone (peers will find the node failed).
    public func shutdown() async {
        guard isRunning else { return }
        isRunning = false
        hasStopped = true
        alarm.ring()
        workContinuation.finish()
        datagramContinuation?.finish()
        flushSnapshot()
        try? await datagramChannel?.close()
        datagramSocket?.close()
        try? await streamChannel?.close()
        try? await rpcChannel?.close()
        try? await httpChannel?.close()
        eventContinuation.finish()
        for subscriber in subscribers.values { subscriber.finish() }
        subscribers = [:]
        for subscriber in userEventSubscribers.values { subscriber.finish() }
        userEventSubscribers = [:]
        for watcher in keyValueWatchers.values { watcher.continuation.finish() }
        for subscriber in querySubscribers.values { subscriber.finish() }
        querySubscribers = [:]
        keyValueWatchers = [:]
        for query in pendingQueries.values { query.finish() }
        pendingQueries = [:]
        for operation in pendingKeyOperations.values { operation.resume(returning: KeyOperationResult()) }
        pendingKeyOperations = [:]
        failStoreWaiters()
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
        // A listener that stops iterating (or whose task is cancelled) is forgotten at once, on the node's own
        // loop (its executor), with no task of its own.
        continuation.onTermination = { [weak self] _ in
            guard let self else { return }
            self.loop.execute { self.assumeIsolated { $0.unsubscribe(key) } }
        }
        return stream
    }

    /// Forgets the listener `key`, whichever kind it is (keys are unique across kinds).
    private func unsubscribe(_ key: UInt64) {
        subscribers[key] = nil
        userEventSubscribers[key] = nil
        querySubscribers[key] = nil
        keyValueWatchers[key] = nil
    }

    /// How many listeners (of membership events, user events, queries and key-value watches) are registered now.
    public var listenerCount: Int {
        subscribers.count + userEventSubscribers.count + querySubscribers.count + keyValueWatchers.count
    }

    /// Returns once the node has stopped.
    public func waitUntilStopped() async {
        guard isRunning else { return }
        await withCheckedContinuation { stopWaiters.append($0) }
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
