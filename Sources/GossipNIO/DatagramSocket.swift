import GossipCore
import NIOCore
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// The node's UDP socket, bound here and written with `sendto` directly; SwiftNIO reads it through a duplicate
/// descriptor.
///
/// SwiftNIO closes a datagram channel on most send errors: `EPERM` when a firewall rule drops the packets to one
/// peer, `ENOBUFS` under load, `ENETUNREACH` while a route is gone. memberlist logs such an error and goes on; so
/// does this socket: a failed send is counted (``sendErrors``) and the next one is tried as usual. Writing
/// directly also spares each datagram a buffer copy and a hop to the event loop.
final class DatagramSocket: Sendable {
    /// The descriptor this type writes with and closes; SwiftNIO has a duplicate of its own.
    private let descriptor: Int32
    private let open = Mutex(true)
    private let errors = Mutex(0)

    /// A non-blocking UDP socket bound to `address` (port 0 picks one), with a 2 MiB receive buffer.
    init(binding address: NodeAddress) throws {
        let socketAddress = try address.socketAddress()
        let family = socketAddress.protocol == .inet6 ? AF_INET6 : AF_INET
        descriptor = socket(
            family,
            Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue)
                | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard descriptor >= 0 else { throw IOError(errnoCode: errno, reason: "socket") }
        var one: Int32 = 1
        var receiveBuffer: Int32 = 2 << 20
        setsockopt(descriptor, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        setsockopt(descriptor, SOL_SOCKET, SO_RCVBUF, &receiveBuffer, socklen_t(MemoryLayout<Int32>.size))
        let bound = socketAddress.withSockAddr { bind(descriptor, $0, socklen_t($1)) }
        guard bound == 0 else {
            let code = errno
            _ = Glibc.close(descriptor)
            throw IOError(errnoCode: code, reason: "bind")
        }
    }

    deinit { close() }

    /// A duplicate descriptor for SwiftNIO to read from (and close when its channel closes).
    func descriptorForReading() throws -> Int32 {
        let duplicate = dup(descriptor)
        guard duplicate >= 0 else { throw IOError(errnoCode: errno, reason: "dup") }
        return duplicate
    }

    /// Sends failed so far (`EPERM`, `ENOBUFS`, `EAGAIN` when the send buffer is full, …).
    var sendErrors: Int { errors.withLock { $0 } }

    /// Sends `bytes` as one datagram to `address`; a failure is counted, never fatal.
    func send(_ bytes: [UInt8], to address: SocketAddress) {
        let sent = open.withLock { isOpen -> Bool in
            guard isOpen else { return false }
            let result = bytes.withUnsafeBytes { buffer in
                address.withSockAddr { sendto(descriptor, buffer.baseAddress, buffer.count, 0, $0, socklen_t($1)) }
            }
            return result == bytes.count
        }
        if !sent { errors.withLock { $0 += 1 } }
    }

    /// Closes this descriptor; later sends are dropped.
    func close() {
        open.withLock { isOpen in
            guard isOpen else { return }
            isOpen = false
            _ = Glibc.close(descriptor)
        }
    }
}
