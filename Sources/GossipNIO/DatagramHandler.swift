import GossipCore
import GossipStorage
import Logging
import NIOCore
import Synchronization

/// Hands each received datagram, with its sender, to the node through an `AsyncStream`, in arrival order.
final class DatagramHandler: ChannelInboundHandler, Sendable {
    typealias InboundIn = AddressedEnvelope<ByteBuffer>

    struct Datagram: Sendable {
        var bytes: [UInt8]
        var sender: NodeAddress
    }

    let continuation: AsyncStream<Datagram>.Continuation
    let overflows: OverflowCounter
    let logger: Logger

    init(continuation: AsyncStream<Datagram>.Continuation, overflows: OverflowCounter, logger: Logger) {
        self.continuation = continuation
        self.overflows = overflows
        self.logger = logger
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let envelope = unwrapInboundIn(data)
        guard let sender = NodeAddress(envelope.remoteAddress) else { return }
        if case .dropped = continuation.yield(Datagram(bytes: Array(envelope.data.readableBytesView), sender: sender)) {
            overflows.record()
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        // A failed read (for example an ICMP port-unreachable surfaced by the kernel) is no reason to stop. Sends
        // do not go through this channel (``DatagramSocket``), so no send error reaches it.
        let reason = (error as? IOError).map { StorageError.describe(errno: $0.errnoCode) } ?? "\(error)"
        logger.debug("UDP socket error", metadata: ["gossip.error": "\(reason)"])
    }
}

/// Datagrams the receive queue had no room for, counted from the event loop.
public final class OverflowCounter: Sendable {
    private let count = Mutex(0)

    /// Creates a counter at zero.
    public init() {}

    /// Datagrams dropped so far.
    public var value: Int { count.withLock { $0 } }

    func record() { count.withLock { $0 += 1 } }
}
