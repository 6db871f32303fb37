import Foundation
import GossipCore
import MemberlistWire

#if canImport(Glibc)
    import Glibc
#endif

/// A blocking client of Serf's RPC protocol: it talks to our agent and to a real `serf agent` alike. The
/// command-line tool uses it; call it from a thread that may block (not from Swift's cooperative pool).
public final class SerfRPCClient {
    private let descriptor: Int32
    private var buffer: [UInt8] = []
    private var sequence: UInt64 = 0

    /// Connects to `address` (`host:port`) and performs the handshake, then authenticates with `authKey` when
    /// the agent wants one (`-rpc-auth`).
    public init(address: String, authKey: String? = nil) throws {
        guard let target = NodeAddress(address) else {
            throw SerfRPCError("'\(address)' is not an RPC address like 127.0.0.1:7373")
        }
        #if canImport(Glibc)
            descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        #else
            descriptor = socket(AF_INET, SOCK_STREAM, 0)
        #endif
        guard descriptor >= 0 else { throw SerfRPCError("cannot create a socket") }
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
            throw SerfRPCError("cannot connect to the agent's RPC endpoint at \(address): is the agent running?")
        }
        _ = try call("handshake", body: .map([(.string("Version"), .uint(1))]), expectsBody: false)
        if let authKey {
            _ = try call("auth", body: .map([(.string("AuthKey"), .string(authKey))]), expectsBody: false)
        }
    }

    deinit { close(descriptor) }

    /// Opens a `stream` of events matching `filter` (`*`, `member-join,user:deploy`, …) and calls `record` with
    /// each record until `record` returns `false` or the connection ends.
    public func stream(filter: String, _ record: (MessagePackValue) -> Bool) throws {
        try follow("stream", body: .map([(.string("Type"), .string(filter))]), record)
    }

    /// Opens a `kv-watch` of the keys under `prefix` (our agents only) and calls `record` with each change
    /// `{Key, Value, Deleted, Origin, Timestamp}` until `record` returns `false` or the connection ends.
    public func watch(prefix: String, _ record: (MessagePackValue) -> Bool) throws {
        try follow("kv-watch", body: .map([(.string("Prefix"), .string(prefix))]), record)
    }

    /// Opens a `monitor` at `logLevel` and calls `line` with each log line until `line` returns `false` or the
    /// connection ends.
    public func monitor(logLevel: String, _ line: (String) -> Bool) throws {
        try follow("monitor", body: .map([(.string("LogLevel"), .string(logLevel))])) { record in
            line(record["Log"]?.stringValue ?? "")
        }
    }

    /// Sends a command that answers with a header and then one header and record per event.
    private func follow(_ command: String, body: MessagePackValue, _ record: (MessagePackValue) -> Bool) throws {
        _ = try call(command, body: body, expectsBody: false)
        // Events may be minutes apart: wait for them without the answer timeout.
        var forever = timeval(tv_sec: 0, tv_usec: 0)
        setsockopt(descriptor, SOL_SOCKET, SO_RCVTIMEO, &forever, socklen_t(MemoryLayout<timeval>.size))
        while true {
            let header = try readValue()
            if let error = header["Error"]?.stringValue, !error.isEmpty { throw SerfRPCError(error) }
            guard record(try readValue()) else { return }
        }
    }

    /// Asks a query through the agent and calls `answer` with each `{Type, From, Payload}` record until `done`.
    public func query(
        _ name: String, payload: [UInt8], nodes: [String] = [], tags: [String: String] = [:],
        timeout: Duration? = nil, _ answer: (_ type: String, _ from: String, _ payload: [UInt8]) -> Void
    ) throws {
        var request: [(key: MessagePackValue, value: MessagePackValue)] = [
            (.string("FilterNodes"), .array(nodes.map { .string($0) })),
            (.string("FilterTags"), .map(tags.map { (.string($0.key), .string($0.value)) })),
            (.string("RequestAck"), .bool(true)), (.string("RelayFactor"), .uint(0)),
            (.string("Name"), .string(name)), (.string("Payload"), .binary(payload)),
        ]
        let (seconds, attoseconds) = (timeout ?? .zero).components
        request.append((.string("Timeout"), .int(seconds * 1_000_000_000 + attoseconds / 1_000_000_000)))
        _ = try call("query", body: .map(request), expectsBody: false)
        while true {
            let header = try readValue()
            if let error = header["Error"]?.stringValue, !error.isEmpty { throw SerfRPCError(error) }
            let record = try readValue()
            let type = record["Type"]?.stringValue ?? ""
            if type == "done" { return }
            answer(type, record["From"]?.stringValue ?? "", record["Payload"]?.bytesValue ?? [])
        }
    }

    /// Sends `command` and returns the answer's body (`nil` for commands without one). An error in the answer
    /// header is thrown.
    public func call(_ command: String, body: MessagePackValue? = nil, expectsBody: Bool) throws -> MessagePackValue? {
        let answer = try request(command, body: body, expectsBody: expectsBody)
        if let error = answer.error { throw SerfRPCError(error) }
        return answer.body
    }

    /// Sends `command` and returns the error in the answer's header (`nil` when empty) with the body, which some
    /// commands (the key commands) send with an error too.
    public func request(_ command: String, body: MessagePackValue? = nil, expectsBody: Bool) throws -> (
        error: String?, body: MessagePackValue?
    ) {
        sequence += 1
        var writer = MessagePackWriter(style: .modern)
        writer.write(.map([(.string("Command"), .string(command)), (.string("Seq"), .uint(sequence))]))
        if let body { writer.write(body) }
        try send(writer.bytes)
        let header = try readValue()
        let error = header["Error"]?.stringValue ?? ""
        // A command that has a body sends it with an error too, except when the agent refused the request
        // itself (an unknown command, a missing handshake or authentication).
        let refusals: Set<String> = [
            "Unsupported command", "Handshake required", "Authentication required", "Invalid authentication token",
        ]
        let answerBody = expectsBody && !refusals.contains(error) ? try readValue() : nil
        return (error.isEmpty ? nil : error, answerBody)
    }

    private func send(_ bytes: [UInt8]) throws {
        var offset = 0
        while offset < bytes.count {
            let written = bytes[offset...].withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
            guard written > 0 else { throw SerfRPCError("the connection to the agent closed") }
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
                guard count > 0 else { throw SerfRPCError("the agent closed the connection or did not answer") }
                buffer.append(contentsOf: chunk[..<count])
            } catch {
                throw SerfRPCError("unreadable answer from the agent: \(error)")
            }
        }
    }
}

/// Why an RPC call failed: the agent's own error message, or what went wrong with the connection.
public struct SerfRPCError: Error, CustomStringConvertible {
    /// What went wrong.
    public var description: String
    init(_ description: String) { self.description = description }
}

extension SerfRPCClient {
    /// One member as an agent's `members` answer lists it.
    public struct Member: Sendable, Hashable {
        /// The node name.
        public var name: String
        /// `host:port`.
        public var address: String
        /// `alive`, `leaving`, `left` or `failed`.
        public var status: String
        /// Its tags.
        public var tags: [String: String]

        /// Reads one entry of a `Members` list.
        public init(_ value: MessagePackValue) {
            name = value["Name"]?.stringValue ?? ""
            status = value["Status"]?.stringValue ?? ""
            let ip = value["Addr"]?.bytesValue.flatMap { IPAddress(bytes: $0) }
            let port = UInt16(clamping: value["Port"]?.integerValue ?? 0)
            address = ip.map { NodeAddress(ip: $0, port: port).description } ?? "?"
            var tags: [String: String] = [:]
            for pair in value["Tags"]?.mapValue ?? [] {
                if let key = pair.key.stringValue, let text = pair.value.stringValue { tags[key] = text }
            }
            self.tags = tags
        }
    }

    /// The agent's members, all of them or those whose status matches the regular expression `status`.
    public func members(status: String? = nil) throws -> [Member] {
        let body: MessagePackValue?
        if let status {
            body = try call(
                "members-filtered",
                body: .map([
                    (.string("Tags"), .map([])), (.string("Status"), .string(status)), (.string("Name"), .string("")),
                ]), expectsBody: true)
        } else {
            body = try call("members", expectsBody: true)
        }
        return (body?["Members"]?.arrayValue ?? []).map(Member.init)
    }
}
