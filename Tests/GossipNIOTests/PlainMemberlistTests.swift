import Foundation
import GossipCore
import GossipNIO
import GossipTestKit
import SWIM
import Synchronization
import Testing

/// A plain memberlist member (no Serf layer) in a cluster with real Go memberlist nodes: HashiCorp's memberlist
/// library built offline (`scripts/build_memberlist_peer.sh`), a node of which refuses our Serf-mode agent for its
/// delegate protocol version, as it refuses a serf agent.
@Suite("Plain memberlist with Go memberlist nodes", .serialized)
struct PlainMemberlistTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    /// The Go peer, built here when Go and the library are installed and it is not built yet.
    static let peer: URL? = {
        let built = root.appendingPathComponent(".build/memberlist-peer")
        if !FileManager.default.isExecutableFile(atPath: built.path) {
            _ = try? BuiltExecutable.run(
                URL(fileURLWithPath: "/bin/bash"),
                [root.appendingPathComponent("scripts/build_memberlist_peer.sh").path])
        }
        return FileManager.default.isExecutableFile(atPath: built.path) ? built : nil
    }()

    static var gossip: URL? { BuiltExecutable.locate("gossip", packageRoot: root) }

    static func plainNode(_ name: String) -> GossipNode {
        var configuration = NodeConfiguration(name: name)
        configuration.bindAddress = NodeAddress(ip: .loopbackV4, port: 0)
        configuration.settings = .local
        configuration.plainMemberlist = true
        configuration.metadata = Array("swift".utf8)
        configuration.delegate = Inbox.shared
        return GossipNode(configuration: configuration, logger: KeyValueNodeTests.quiet)
    }

    @Test(
        "a Go node joins ours and ours joins a Go node; a kill -9 of either is detected by the other",
        .enabled(if: peer != nil && gossip != nil), .timeLimit(.minutes(3)))
    func mixedCluster() async throws {
        let peer = try #require(Self.peer)
        // A Go node first; ours joins it.
        let first = try await GoPeer.start(peer, name: "go-first")
        let ours = Self.plainNode("ours")
        try await ours.start()
        #expect(await ours.join([first.address]) == 1)
        #expect(await waitUntil(timeout: 20) { await ours.status(of: "go-first") == .alive })
        #expect(await waitUntil(timeout: 20) { () async -> Bool in first.saw("join ours") })
        // A second Go node joins through ours.
        let ourAddress = try #require(await ours.boundAddress)
        let second = try await GoPeer.start(peer, name: "go-second", join: ourAddress)
        #expect(await waitUntil(timeout: 20) { await ours.status(of: "go-second") == .alive })
        #expect(
            await waitUntil(timeout: 20) { () async -> Bool in second.saw("join ours") && first.saw("join go-second") })
        // Its metadata and broadcasts reach Go: memberlist delivers nothing to a node without a delegate, but
        // our member record carries the metadata (seen by Go as an update after a change).
        try await ours.updateMetadata(Array("swift-2".utf8))
        #expect(await waitUntil(timeout: 20) { () async -> Bool in first.saw("update ours") })
        // kill -9 of a Go node: ours finds it dead.
        second.kill9()
        #expect(await waitUntil(timeout: 30) { await ours.status(of: "go-second") == .dead })
        await ours.shutdown()

        // kill -9 of ours (an agent process): the Go node finds it gone.
        let gossip = try #require(Self.gossip)
        let agent = try GossipAgentProcess(
            gossip, name: "ours-agent", join: first.address, arguments: ["--profile", "local", "--plain-memberlist"])
        #expect(await waitUntil(timeout: 20) { () async -> Bool in first.saw("join ours-agent") })
        agent.kill9()
        #expect(await waitUntil(timeout: 60) { () async -> Bool in first.saw("leave ours-agent") })
        first.kill9()
    }

    @Test(
        "without the plain mode, a Go memberlist node refuses our node for its delegate protocol version",
        .enabled(if: peer != nil), .timeLimit(.minutes(1)))
    func serfModeIsRefused() async throws {
        let first = try await GoPeer.start(try #require(Self.peer), name: "go-strict")
        var configuration = NodeConfiguration(name: "serf-mode")
        configuration.bindAddress = NodeAddress(ip: .loopbackV4, port: 0)
        configuration.settings = .local
        let ours = GossipNode(configuration: configuration, logger: KeyValueNodeTests.quiet)
        try await ours.start()
        _ = await ours.join([first.address])
        #expect(await waitUntil(timeout: 10) { () async -> Bool in first.log.contains("delegate protocol version") })
        #expect(!first.saw("join serf-mode"))
        await ours.shutdown()
        first.kill9()
    }
}

extension GossipNode {
    /// memberlist's status of `name` as this node sees it.
    fileprivate func status(of name: String) -> SWIM.Status? { members.first { $0.name == name }?.status }
}

/// Counts the messages a plain node's application receives.
final class Inbox: MemberlistDelegate {
    static let shared = Inbox()
    let received = Mutex(0)
    func notifyMessage(_ message: [UInt8], from sender: NodeAddress) { received.withLock { $0 += 1 } }
}

/// A Go memberlist node (scripts/memberlist-peer) on 127.0.0.1, its standard output kept in a file.
final class GoPeer: @unchecked Sendable {
    let process = Process()
    let output: URL
    let errors: URL
    let port: UInt16
    var address: NodeAddress { NodeAddress(ip: .loopbackV4, port: port) }

    init(_ executable: URL, name: String, join: NodeAddress? = nil) throws {
        port = try freePort()
        output = FileManager.default.temporaryDirectory.appendingPathComponent("go-\(name)-\(UUID()).out")
        errors = FileManager.default.temporaryDirectory.appendingPathComponent("go-\(name)-\(UUID()).err")
        _ = FileManager.default.createFile(atPath: output.path, contents: nil)
        _ = FileManager.default.createFile(atPath: errors.path, contents: nil)
        process.executableURL = executable
        process.arguments = ["-name", name, "-port", "\(port)"] + (join.map { ["-join", "\($0)"] } ?? [])
        process.standardOutput = try FileHandle(forWritingTo: output)
        process.standardError = try FileHandle(forWritingTo: errors)
        try process.run()
        guard waitUntil(timeout: 10, { self.saw("ready") }) else {
            throw SerfError("the Go memberlist node \(name) did not start: \(log)")
        }
    }

    var lines: [String] {
        ((try? String(contentsOf: output, encoding: .utf8)) ?? "").split(separator: "\n").map(String.init)
    }

    /// Starts one on a thread of its own (starting waits for it to say it is ready), off the cooperative pool.
    static func start(_ executable: URL, name: String, join: NodeAddress? = nil) async throws -> GoPeer {
        try await onDedicatedThread { Result { try GoPeer(executable, name: name, join: join) } }.get()
    }

    /// Its own log (memberlist's messages, refusals included).
    var log: String { (try? String(contentsOf: errors, encoding: .utf8)) ?? "" }

    /// Whether it printed a line starting with `prefix`.
    func saw(_ prefix: String) -> Bool { lines.contains { $0.hasPrefix(prefix) } }

    func kill9() { killAndWait(process) }

    deinit {
        kill9()
        try? FileManager.default.removeItem(at: output)
        try? FileManager.default.removeItem(at: errors)
    }
}
