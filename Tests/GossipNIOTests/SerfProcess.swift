import Foundation
import GossipCore
import GossipTestKit

/// A real `serf agent` process on 127.0.0.1, started and stopped by PID, with its RPC endpoint for queries.
/// Sendable so that its blocking calls can run on their own threads: its state is set once in `init`, and
/// `Process` and the file handles it uses may be used from any thread.
final class SerfAgent: @unchecked Sendable {
    static let executable = "/usr/bin/serf"
    static var isInstalled: Bool { FileManager.default.isExecutableFile(atPath: executable) }

    let name: String
    let port: UInt16
    let rpcPort: UInt16
    let process = Process()
    let logFile: URL

    var address: NodeAddress { NodeAddress(ip: .loopbackV4, port: port) }
    var rpcAddress: String { "127.0.0.1:\(rpcPort)" }

    init(name: String, tags: [String: String] = [:], join: NodeAddress? = nil, encryptKey: String? = nil) throws {
        self.name = name
        port = try freePort()
        rpcPort = try freePort()
        logFile = FileManager.default.temporaryDirectory.appendingPathComponent("serf-\(name)-\(UUID()).log")
        _ = FileManager.default.createFile(atPath: logFile.path, contents: nil)
        var arguments = [
            "agent", "-node=\(name)", "-bind=127.0.0.1:\(port)", "-rpc-addr=127.0.0.1:\(rpcPort)", "-log-level=debug",
        ]
        for (key, value) in tags.sorted(by: { $0.key < $1.key }) { arguments += ["-tag", "\(key)=\(value)"] }
        if let join { arguments.append("-join=\(join)") }
        if let encryptKey { arguments.append("-encrypt=\(encryptKey)") }
        process.executableURL = URL(fileURLWithPath: Self.executable)
        process.arguments = arguments
        let handle = try FileHandle(forWritingTo: logFile)
        process.standardOutput = handle
        process.standardError = handle
        try process.run()
        guard waitUntil(timeout: 10, { (try? self.rpc(["members"])) != nil }) else {
            throw SerfError("serf agent \(name) did not start: \(log)")
        }
    }

    var log: String { (try? String(contentsOf: logFile, encoding: .utf8)) ?? "" }

    /// Runs `serf ARGS -rpc-addr=…` against this agent and returns its standard output; throws on a non-zero
    /// exit.
    @discardableResult
    func rpc(_ arguments: [String]) throws -> String {
        try run([arguments[0], "-rpc-addr=\(rpcAddress)"] + arguments.dropFirst())
    }

    /// Runs `serf ARGS` and returns its standard output; throws on a non-zero exit.
    func run(_ arguments: [String]) throws -> String {
        let command = Process()
        command.executableURL = URL(fileURLWithPath: Self.executable)
        command.arguments = arguments
        let output = Pipe()
        command.standardOutput = output
        command.standardError = output
        try command.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        command.waitUntilExit()
        let text = String(decoding: data, as: UTF8.self)
        guard command.terminationStatus == 0 else { throw SerfError("serf \(arguments): \(text)") }
        return text
    }

    struct Member {
        var name: String
        var status: String
        var tags: [String: String]
    }

    /// `serf members -format=json` as this agent sees them.
    func members() throws -> [Member] {
        let text = try rpc(["members", "-format=json"])
        guard let object = try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any],
            let list = object["members"] as? [[String: Any]]
        else { throw SerfError("unreadable members: \(text)") }
        return list.map { entry in
            Member(
                name: entry["name"] as? String ?? "", status: entry["status"] as? String ?? "",
                tags: entry["tags"] as? [String: String] ?? [:])
        }
    }

    func status(of name: String) -> String? {
        (try? members())?.first { $0.name == name }?.status
    }

    func kill9() { killAndWait(process) }

    deinit {
        kill9()
        try? FileManager.default.removeItem(at: logFile)
    }
}

/// Kills `process` with SIGKILL, if it runs, and waits for it to exit.
func killAndWait(_ process: Process) {
    guard process.isRunning else { return }
    kill(process.processIdentifier, SIGKILL)
    process.waitUntilExit()
}

struct SerfError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// Polls the blocking `condition` every 100 ms for up to `timeout` seconds, on a thread of its own.
func eventually(timeout: Double, _ condition: @escaping @Sendable () -> Bool) async -> Bool {
    await onDedicatedThread { waitUntil(timeout: timeout, condition) }
}

/// Polls `condition` every 100 ms for up to `timeout` seconds.
func waitUntil(timeout: Double, _ condition: () -> Bool) -> Bool {
    let deadline = Date().addingTimeInterval(timeout)
    while Date() < deadline {
        if condition() { return true }
        Thread.sleep(forTimeInterval: 0.1)
    }
    return condition()
}

/// Polls an async `condition` every 100 ms for up to `timeout` seconds.
func waitUntil(timeout: Double, _ condition: () async -> Bool) async -> Bool {
    let deadline = Date().addingTimeInterval(timeout)
    while Date() < deadline {
        if await condition() { return true }
        try? await Task.sleep(for: .milliseconds(100))
    }
    return await condition()
}

/// A port that is free for both TCP and UDP on 127.0.0.1 right now, below the kernel's ephemeral range (32768 and
/// up), so that no outgoing connection of another test can take it before the process it is meant for binds it.
func freePort() throws -> UInt16 {
    for _ in 0..<50 {
        let port = UInt16.random(in: 20_000...32_000)
        if canBind(port, streamSocket) && canBind(port, datagramSocket) { return port }
    }
    throw SerfError("no free port found")
}

#if canImport(Glibc)
    private let streamSocket = Int32(SOCK_STREAM.rawValue)
    private let datagramSocket = Int32(SOCK_DGRAM.rawValue)
#else
    private let streamSocket = SOCK_STREAM
    private let datagramSocket = SOCK_DGRAM
#endif

private func canBind(_ port: UInt16, _ type: Int32) -> Bool {
    let descriptor = socket(AF_INET, type, 0)
    guard descriptor >= 0 else { return false }
    defer { close(descriptor) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_port = port.bigEndian
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    return withUnsafePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
            bind(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0
        }
    }
}

/// Sends each payload as one UDP datagram from a throw-away socket.
func sendDatagrams(_ payloads: [[UInt8]], to address: NodeAddress) throws {
    let descriptor = socket(AF_INET, datagramSocket, 0)
    guard descriptor >= 0 else { throw SerfError("no UDP socket") }
    defer { close(descriptor) }
    var target = sockaddr_in(address)
    for payload in payloads {
        _ = payload.withUnsafeBytes { bytes in
            withUnsafePointer(to: &target) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    sendto(descriptor, bytes.baseAddress, bytes.count, 0, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
                }
            }
        }
    }
}

/// Opens a TCP connection, writes `bytes` and leaves it open; returns the descriptor. With `receiveBuffer`, the
/// socket's receive buffer is that small (a client that reads slowly fills it soon).
func openStream(to address: NodeAddress, sending bytes: [UInt8], receiveBuffer: Int32? = nil) throws -> Int32 {
    let descriptor = socket(AF_INET, streamSocket, 0)
    guard descriptor >= 0 else { throw SerfError("no TCP socket") }
    if var receiveBuffer {
        setsockopt(descriptor, SOL_SOCKET, SO_RCVBUF, &receiveBuffer, socklen_t(MemoryLayout<Int32>.size))
    }
    var target = sockaddr_in(address)
    let connected = withUnsafePointer(to: &target) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
            connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
        }
    }
    guard connected == 0 else {
        close(descriptor)
        throw SerfError("cannot connect to \(address)")
    }
    _ = bytes.withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
    return descriptor
}

extension sockaddr_in {
    init(_ address: NodeAddress) {
        self.init()
        sin_family = sa_family_t(AF_INET)
        sin_port = address.port.bigEndian
        sin_addr.s_addr = inet_addr(address.ip.description)
    }
}

/// Sends one datagram from a fresh socket and returns the first answer within `timeout` seconds, if any.
func udpExchange(_ payload: [UInt8], with address: NodeAddress, timeout: Int = 2) throws -> [UInt8]? {
    let descriptor = socket(AF_INET, datagramSocket, 0)
    guard descriptor >= 0 else { throw SerfError("no UDP socket") }
    defer { close(descriptor) }
    var wait = timeval(tv_sec: timeout, tv_usec: 0)
    setsockopt(descriptor, SOL_SOCKET, SO_RCVTIMEO, &wait, socklen_t(MemoryLayout<timeval>.size))
    var target = sockaddr_in(address)
    _ = payload.withUnsafeBytes { bytes in
        withUnsafePointer(to: &target) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                sendto(descriptor, bytes.baseAddress, bytes.count, 0, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
    }
    var buffer = [UInt8](repeating: 0, count: 65536)
    let count = buffer.withUnsafeMutableBytes { recv(descriptor, $0.baseAddress, $0.count, 0) }
    return count > 0 ? Array(buffer[..<count]) : nil
}

/// Runs blocking socket code on its own thread, so that it never holds one of the few threads of Swift's
/// cooperative pool that the node under test needs.

/// Opens `count` connections at once, writes `request` on each, then reads every answer to its end.
func concurrentTCPExchanges(_ request: [UInt8], with address: NodeAddress, count: Int) -> [[UInt8]] {
    var descriptors: [Int32] = []
    for _ in 0..<count {
        if let descriptor = try? openStream(to: address, sending: request) { descriptors.append(descriptor) }
    }
    return descriptors.map { descriptor in
        defer { close(descriptor) }
        var wait = timeval(tv_sec: 10, tv_usec: 0)
        setsockopt(descriptor, SOL_SOCKET, SO_RCVTIMEO, &wait, socklen_t(MemoryLayout<timeval>.size))
        var answer: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let read = buffer.withUnsafeMutableBytes { Glibc.read(descriptor, $0.baseAddress, $0.count) }
            guard read > 0 else { return answer }
            answer += buffer[..<read]
        }
    }
}
