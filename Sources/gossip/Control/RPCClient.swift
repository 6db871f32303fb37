import ArgumentParser
import Foundation
import GossipCore
import MemberlistWire

#if canImport(Glibc)
    import Glibc
#endif

/// A blocking client of Serf's RPC protocol, for the command-line tool: it talks to our agent and to a real
/// `serf agent` alike.
final class RPCClient {
    private let descriptor: Int32
    private var buffer: [UInt8] = []
    private var sequence: UInt64 = 0

    /// Connects to `address` (`host:port`) and performs the handshake.
    init(address: String) throws {
        guard let target = NodeAddress(address) else {
            throw ValidationError("--rpc-addr '\(address)' is not an address like 127.0.0.1:7373")
        }
        #if canImport(Glibc)
            descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        #else
            descriptor = socket(AF_INET, SOCK_STREAM, 0)
        #endif
        guard descriptor >= 0 else { throw RPCClientError("cannot create a socket") }
        var timeout = timeval(tv_sec: 10, tv_usec: 0)
        setsockopt(descriptor, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var socketAddress = sockaddr_in()
        socketAddress.sin_family = sa_family_t(AF_INET)
        socketAddress.sin_port = target.port.bigEndian
        socketAddress.sin_addr.s_addr = inet_addr(target.ip.description)
        let connected = withUnsafePointer(to: &socketAddress) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard connected == 0 else {
            close(descriptor)
            throw RPCClientError("cannot connect to the agent's RPC endpoint at \(address): is the agent running?")
        }
        _ = try call("handshake", body: .map([(.string("Version"), .uint(1))]), expectsBody: false)
    }

    deinit { close(descriptor) }

    /// Sends `command` and returns the answer's body (`nil` for commands without one). An error in the answer
    /// header is thrown.
    func call(_ command: String, body: MessagePackValue? = nil, expectsBody: Bool) throws -> MessagePackValue? {
        sequence += 1
        var writer = MessagePackWriter(style: .modern)
        writer.write(.map([(.string("Command"), .string(command)), (.string("Seq"), .uint(sequence))]))
        if let body { writer.write(body) }
        try send(writer.bytes)
        let header = try readValue()
        let answerBody = expectsBody ? try readValue() : nil
        if let error = header["Error"]?.stringValue, !error.isEmpty { throw RPCClientError(error) }
        return answerBody
    }

    private func send(_ bytes: [UInt8]) throws {
        var offset = 0
        while offset < bytes.count {
            let written = bytes[offset...].withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
            guard written > 0 else { throw RPCClientError("the connection to the agent closed") }
            offset += written
        }
    }

    private func readValue() throws -> MessagePackValue {
        while true {
            var reader = MessagePackReader(buffer)
            do {
                let value = try reader.readValue()
                buffer.removeFirst(reader.position)
                return value
            } catch .truncated {
                var chunk = [UInt8](repeating: 0, count: 65536)
                let count = chunk.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
                guard count > 0 else { throw RPCClientError("the agent closed the connection or did not answer") }
                buffer.append(contentsOf: chunk[..<count])
            } catch {
                throw RPCClientError("unreadable answer from the agent: \(error)")
            }
        }
    }
}

struct RPCClientError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
