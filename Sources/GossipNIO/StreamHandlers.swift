import GossipCore
import MemberlistWire
import NIOCore

/// Reads one stream message from a connection a peer opened, asks the node for the answer, writes it and closes
/// (memberlist opens one connection per exchange). A connection that sends nothing complete before the stream
/// timeout, or sends garbage, is closed.
final class StreamServerHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    let codec: @Sendable () -> StreamCodec
    let timeout: TimeAmount
    let answer: @Sendable (StreamMessage, NodeAddress) async -> [UInt8]?
    let onError: @Sendable (WireError) -> Void
    let gate: InboundStreamGate
    private var buffer: [UInt8] = []
    private var answered = false
    private var admitted = false

    init(
        codec: @escaping @Sendable () -> StreamCodec, timeout: TimeAmount, gate: InboundStreamGate,
        answer: @escaping @Sendable (StreamMessage, NodeAddress) async -> [UInt8]?,
        onError: @escaping @Sendable (WireError) -> Void
    ) {
        self.codec = codec
        self.timeout = timeout
        self.gate = gate
        self.answer = answer
        self.onError = onError
    }

    func channelActive(context: ChannelHandlerContext) {
        let source = context.remoteAddress.flatMap(NodeAddress.init)?.ip ?? .v4(0)
        guard gate.admit(from: source) == nil else {
            context.close(promise: nil)
            return
        }
        admitted = true
        let channel = context.channel
        context.eventLoop.scheduleTask(in: timeout) { channel.close(promise: nil) }
        context.fireChannelActive()
    }

    func channelInactive(context: ChannelHandlerContext) {
        if admitted {
            admitted = false
            gate.release()
        }
        context.fireChannelInactive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard admitted, !answered else { return }
        buffer.append(contentsOf: unwrapInboundIn(data).readableBytesView)
        let message: StreamMessage
        do {
            guard let decoded = try codec().decode(buffer) else { return }
            message = decoded.message
        } catch {
            onError(error)
            context.close(promise: nil)
            return
        }
        answered = true
        let remote = context.remoteAddress.flatMap(NodeAddress.init) ?? NodeAddress(ip: .v4(0), port: 0)
        let channel = context.channel
        let answer = self.answer
        let promise = context.eventLoop.makePromise(of: [UInt8]?.self)
        promise.completeWithTask { await answer(message, remote) }
        promise.futureResult.whenSuccess { reply in
            guard let reply else {
                channel.close(promise: nil)
                return
            }
            channel.writeAndFlush(ByteBuffer(bytes: reply)).whenComplete { _ in channel.close(promise: nil) }
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.close(promise: nil)
    }
}

/// Writes one request on a connection this node opened and reads the peer's answer.
final class StreamClientHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    let request: [UInt8]
    let codec: StreamCodec
    let promise: EventLoopPromise<StreamMessage>
    private var buffer: [UInt8] = []

    init(request: [UInt8], codec: StreamCodec, promise: EventLoopPromise<StreamMessage>) {
        self.request = request
        self.codec = codec
        self.promise = promise
    }

    func channelActive(context: ChannelHandlerContext) {
        context.writeAndFlush(wrapOutboundOut(ByteBuffer(bytes: request)), promise: nil)
        context.fireChannelActive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        buffer.append(contentsOf: unwrapInboundIn(data).readableBytesView)
        do {
            guard let decoded = try codec.decode(buffer) else { return }
            promise.succeed(decoded.message)
        } catch {
            promise.fail(error)
        }
        context.close(promise: nil)
    }

    func channelInactive(context: ChannelHandlerContext) {
        promise.fail(WireError.truncated(context: "the peer's answer", needed: 1))
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        promise.fail(error)
        context.close(promise: nil)
    }
}
