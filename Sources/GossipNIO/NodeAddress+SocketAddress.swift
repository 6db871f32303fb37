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

extension NodeAddress {
    /// memberlist's default port, used when a seed names none.
    public static let defaultPort: UInt16 = 7946

    /// A literal `ip:port` or `[v6]:port`, or `name[:port]` resolved through the system resolver (DNS), with
    /// ``defaultPort`` when no port is given; `nil` when the name does not resolve.
    public init?(resolving text: String) {
        if let address = NodeAddress(text) {
            self = address
            return
        }
        if let ip = IPAddress(text) {
            self.init(ip: ip, port: Self.defaultPort)
            return
        }
        var host = Substring(text)
        var port = Int(Self.defaultPort)
        if let colon = text.lastIndex(of: ":"), let parsed = UInt16(text[text.index(after: colon)...]) {
            host = text[..<colon]
            port = Int(parsed)
        }
        guard let resolved = try? SocketAddress.makeAddressResolvingHost(String(host), port: port),
            let ipText = resolved.ipAddress, let ip = IPAddress(ipText)
        else { return nil }
        self.init(ip: ip, port: UInt16(port))
    }
}
