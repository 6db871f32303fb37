import GossipCore
import Logging
import NIOCore
import NIOPosix
import Prometheus
import ServiceLifecycle

/// Serves a Prometheus registry in the text exposition format at `GET /metrics` (any path answers the same),
/// as a `Service`. A minimal HTTP/1.1 responder: one answer per connection, then close.
public struct PrometheusEndpoint: Service {
    /// Where to listen.
    public let address: NodeAddress
    /// The metrics to serve.
    public let registry: PrometheusCollectorRegistry
    /// What brings the metrics up to date before each scrape (for a node: ``GossipNode/refreshMetrics()``).
    public let refresh: (@Sendable () async -> Void)?
    let logger: Logger

    /// An endpoint for `registry` on `address`, calling `refresh` (if given) before each answer.
    public init(
        address: NodeAddress, registry: PrometheusCollectorRegistry, logger: Logger,
        refresh: (@Sendable () async -> Void)? = nil
    ) {
        self.address = address
        self.registry = registry
        self.logger = logger
        self.refresh = refresh
    }

    /// Serves until a graceful shutdown.
    public func run() async throws {
        let registry = self.registry
        let refresh = self.refresh
        let channel = try await ListenerError.binding("metrics", on: address) {
            try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
                .childChannelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.addHandler(
                            MetricsRequestHandler(registry: registry, refresh: refresh))
                    }
                }
                .bind(host: address.ip.description, port: Int(address.port)).get()
        }
        logger.info("metrics endpoint listening", metadata: ["gossip.metrics": "\(address)"])
        await withGracefulShutdownHandler {
            try? await channel.closeFuture.get()
        } onGracefulShutdown: {
            channel.close(promise: nil)
        }
    }
}

/// Answers one HTTP request with the registry's text.
final class MetricsRequestHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    let registry: PrometheusCollectorRegistry
    let refresh: (@Sendable () async -> Void)?
    private var request: [UInt8] = []
    private var answered = false

    init(registry: PrometheusCollectorRegistry, refresh: (@Sendable () async -> Void)?) {
        self.registry = registry
        self.refresh = refresh
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        request.append(contentsOf: unwrapInboundIn(data).readableBytesView)
        guard request.count <= 16_384 else {
            context.close(promise: nil)
            return
        }
        guard !answered, String(decoding: request, as: UTF8.self).contains("\r\n\r\n") else { return }
        answered = true
        guard let refresh else {
            answer(context: context)
            return
        }
        let promise = context.eventLoop.makePromise(of: Void.self)
        promise.completeWithTask(refresh)
        let bound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
        promise.futureResult.whenSuccess {
            let (handler, context) = bound.value
            handler.answer(context: context)
        }
    }

    private func answer(context: ChannelHandlerContext) {
        let body = registry.emitToBuffer()
        let head =
            "HTTP/1.1 200 OK\r\nContent-Type: text/plain; version=0.0.4\r\nContent-Length: \(body.count)\r\n"
            + "Connection: close\r\n\r\n"
        let channel = context.channel
        context.writeAndFlush(wrapOutboundOut(ByteBuffer(bytes: Array(head.utf8) + body))).whenComplete { _ in
            channel.close(promise: nil)
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.close(promise: nil)
    }
}
