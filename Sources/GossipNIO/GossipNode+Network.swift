import GossipCore
import MemberlistWire
import NIOCore
import NIOPosix
import NodeCore
import Replication
import SWIM

/// The node's sockets: datagrams in and out, the streams peers open, and the streams this node opens (push-pull,
/// stream pings); what arrives goes to the core, what it decides comes back through ``GossipNode/execute(_:)``.
extension GossipNode {
    // MARK: - Datagrams

    /// Handles the datagrams as they arrive, on the node's loop, until the node stops.
    func receive(_ datagrams: AsyncStream<DatagramHandler.Datagram>) async {
        for await datagram in datagrams { handle(datagram) }
    }

    func handle(_ datagram: DatagramHandler.Datagram) {
        guard isRunning, core != nil else { return }
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
        let effects = core!.receive(receivedPacket.messages, from: datagram.sender, at: now, using: &rng)
        execute(effects)
    }

    /// Binds the UDP socket on `address` and has SwiftNIO read it into the node's receive queue; sends go
    /// through ``DatagramSocket`` directly, so that a send error never closes the socket.
    func openDatagramChannel(on address: NodeAddress) async throws -> (socket: DatagramSocket, channel: any Channel) {
        guard let continuation = datagramContinuation else { throw ChannelError.ioOnClosedChannel }
        let overflows = receiveQueueOverflows
        let logger = self.logger
        return try await ListenerError.binding("gossip (UDP)", on: address) { [loop] in
            let socket = try DatagramSocket(binding: address)
            let reading = try socket.descriptorForReading()
            do {
                let channel = try await DatagramBootstrap(group: loop)
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
            destination.flatMap { core?.membership.member(named: $0) }.map {
                $0.protocolVersions.protocolMax >= 5
            } ?? false
        for packet in packetCodec.encode(messages, addChecksum: addChecksum, using: &rng) {
            statistics.packetsOut += 1
            statistics.bytesOut += packet.count
            socket.send(packet, to: remote)
        }
    }

    func countDrop(_ error: WireError) {
        statistics.dropsByReason[error.kind, default: 0] += 1
    }

    // MARK: - Streams peers open

    /// The answer to a stream a peer opened: our state for a push-pull (merging theirs), an ack for a ping.
    func answerStream(_ message: StreamMessage, from remote: NodeAddress) -> [UInt8]? {
        guard isRunning, core != nil else { return nil }
        switch message {
        case .pushPull(let state):
            var (reply, effects) = core!.answerPushPull(state, from: remote, at: now, using: &rng)
            if let delegate = configuration.delegate { reply.userState = delegate.localState(join: false) }
            execute(effects)
            return streamCodec.encode(.pushPull(reply), using: &rng)
        case .ping(let ping):
            guard ping.target.isEmpty || ping.target == configuration.name else { return nil }
            return streamCodec.encode(.ack(SWIM.Ack(sequenceNumber: ping.sequenceNumber)), using: &rng)
        case .user(let payload):
            if ReplicationPayload.isReplication(payload) {
                return answerReplicationStream(payload).map { streamCodec.encode(.user($0), using: &rng) }
            }
            let effects = core!.receiveStreamMessage(payload, at: now, using: &rng)
            execute(effects)
            return nil
        case .ack, .error:
            return nil
        }
    }

    func streamRefused(_ error: WireError) {
        statistics.streamsRefused += 1
        countDrop(error)
    }

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
                            onError: { error in node.spawn { await node.streamRefused(error) } }))
                }
            }
            .bind(host: address.ip.description, port: Int(address.port)).get()
    }

    // MARK: - Streams this node opens

    /// A push-pull this node started; reports the outcome to the core. Returns whether the peer answered.
    @discardableResult
    func exchangePushPull(_ state: SWIM.PushPull, with address: NodeAddress) async -> Bool {
        var state = state
        if let delegate = configuration.delegate { state.userState = delegate.localState(join: state.join) }
        let request = streamCodec.encode(.pushPull(state), using: &rng)
        let answer = await exchange(request, with: address, timeout: configuration.settings.streamTimeout)
        guard isRunning, core != nil else { return false }
        var remote: SWIM.PushPull?
        if case .pushPull(let reply)? = answer {
            remote = reply
        } else {
            statistics.streamsFailed += 1
            logger.debug("push-pull failed", metadata: ["gossip.peer": "\(address)"])
        }
        let effects = core!.pushPullCompleted(remote, from: address, at: now, using: &rng)
        execute(effects)
        return remote != nil
    }

    func streamPing(_ ping: SWIM.Ping, to address: NodeAddress, deadline: Instant) async {
        let request = streamCodec.encode(.ping(ping), using: &rng)
        let timeout = max(.milliseconds(1), deadline - now)
        let answer = await exchange(request, with: address, timeout: timeout)
        var acknowledged = false
        if case .ack(let ack)? = answer, ack.sequenceNumber == ping.sequenceNumber { acknowledged = true }
        guard isRunning, core != nil else { return }
        let effects = core!.streamPingCompleted(
            sequenceNumber: ping.sequenceNumber, acknowledged: acknowledged, at: now, using: &rng)
        execute(effects)
    }

    /// Opens a connection to `address` and writes `payload` as a `user` message on it; no answer is awaited
    /// beyond the peer closing the stream (within the stream timeout).
    func sendOverStream(_ payload: [UInt8], to address: NodeAddress) {
        let framed = streamCodec.encode(.user(payload), using: &rng)
        let timeout = configuration.settings.streamTimeout
        spawn { _ = await self.exchange(framed, with: address, timeout: timeout) }
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
