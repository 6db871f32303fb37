import GossipCore
import NIOCore

extension NodeAddress {
    /// The NIO socket address for this address.
    func socketAddress() throws -> SocketAddress {
        try SocketAddress(ipAddress: ip.description, port: Int(port))
    }

    /// The address of a NIO socket address, or `nil` for a Unix socket.
    init?(_ address: SocketAddress) {
        guard let port = address.port, let text = address.ipAddress, let ip = IPAddress(text) else { return nil }
        self.init(ip: ip, port: UInt16(port))
    }
}
