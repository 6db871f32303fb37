import GossipCore
import NIOCore

/// Hands each received datagram, with its sender, to the node through an `AsyncStream`, in arrival order.
final class DatagramHandler: ChannelInboundHandler, Sendable {
    typealias InboundIn = AddressedEnvelope<ByteBuffer>

    struct Datagram: Sendable {
        var bytes: [UInt8]
        var sender: NodeAddress
    }

    let continuation: AsyncStream<Datagram>.Continuation

    init(continuation: AsyncStream<Datagram>.Continuation) {
        self.continuation = continuation
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let envelope = unwrapInboundIn(data)
        guard let sender = NodeAddress(envelope.remoteAddress) else { return }
        continuation.yield(Datagram(bytes: Array(envelope.data.readableBytesView), sender: sender))
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        // A failed read (for example an ICMP port-unreachable surfaced by the kernel) is no reason to stop.
    }
}
