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
    let logger: Logger

    /// An endpoint for `registry` on `address`.
    public init(address: NodeAddress, registry: PrometheusCollectorRegistry, logger: Logger) {
        self.address = address
        self.registry = registry
        self.logger = logger
    }

    /// Serves until a graceful shutdown.
    public func run() async throws {
        let registry = self.registry
        let channel = try await ListenerError.binding("metrics", on: address) {
            try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
                .childChannelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.addHandler(MetricsRequestHandler(registry: registry))
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
    private var request: [UInt8] = []

    init(registry: PrometheusCollectorRegistry) {
        self.registry = registry
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        request.append(contentsOf: unwrapInboundIn(data).readableBytesView)
        guard request.count <= 16_384 else {
            context.close(promise: nil)
            return
        }
        guard String(decoding: request, as: UTF8.self).contains("\r\n\r\n") else { return }
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
