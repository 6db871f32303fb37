import ArgumentParser
import Foundation
import GossipCore
import GossipNIO
import GossipTestKit
import Logging
import MemberlistWire

/// `gossip bench kv`: acknowledged writes per second into a real node with a data directory (each write fsynced
/// before it is acknowledged), called in process and through the control endpoint, while a second node receives
/// them by rumor.
struct KeyValueBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "kv",
        abstract: "Measure acknowledged (durable) writes per second through a real node and its control endpoint.")

    @Option(help: "Writes in each phase.")
    var writes: Int = 2_000

    @Option(help: "Directory for the nodes' data (a temporary one by default).")
    var directory: String?

    func validate() throws {
        guard writes >= 1 else { throw ValidationError("--writes must be at least 1") }
    }

    func run() async throws {
        let folder = directory ?? FileManager.default.temporaryDirectory.path
        let root = folder + "/bench-kv-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: root) }
        let quiet = Logger(label: "bench", factory: { _ in SwiftLogNoOpLogHandler() })
        func node(_ name: String) -> GossipNode {
            var configuration = NodeConfiguration(name: name)
            configuration.bindAddress = NodeAddress(ip: .loopbackV4, port: 0)
            configuration.settings = .local
            var replication = ReplicationConfiguration()
            replication.dataDirectory = root + "/" + name
            configuration.replication = replication
            return GossipNode(configuration: configuration, logger: quiet)
        }
        let writer = node("writer")
        let reader = node("reader")
        try await writer.start()
        try await reader.start()
        if let address = await writer.boundAddress { _ = await reader.join([address]) }
        let rpc = try await writer.startRPC(on: NodeAddress(ip: .loopbackV4, port: 0))
        let clock = ContinuousClock()
        let value = Array(repeating: UInt8(7), count: 64)

        var start = clock.now
        for index in 0..<writes { try await writer.put("direct-\(index)", value) }
        let direct = clock.now - start

        let count = writes
        start = clock.now
        let failures = await onDedicatedThread { () -> Int in
            guard let client = try? SerfRPCClient(address: rpc.description) else { return count }
            var failures = 0
            for index in 0..<count {
                let body = MessagePackValue.map([
                    (.string("Key"), .string("rpc-\(index)")), (.string("Value"), .binary(value)),
                ])
                if (try? client.call("kv-put", body: body, expectsBody: true)) == nil { failures += 1 }
            }
            return failures
        }
        let overRPC = clock.now - start
        start = clock.now
        while await reader.keyValues().count < 2 * writes, clock.now - start < .seconds(30) {
            try await Task.sleep(for: .milliseconds(20))
        }
        let spread = clock.now - start
        let statistics = await writer.replicationStatistics
        print("\(writes) writes of 64 bytes, each fsynced before it is acknowledged")
        print("  in process:           \(Int(Double(writes) / direct.secondsValue)) acknowledged writes/s")
        print(
            "  over the control RPC: \(Int(Double(writes) / overRPC.secondsValue)) acknowledged writes/s (one client, one request at a time; \(failures) failed)"
        )
        print(
            "  the second node held all \(await reader.keyValues().count) keys \(format3(spread.secondsValue)) s after the last write; log \(statistics.logBytes) bytes"
        )
        await writer.shutdown()
        await reader.shutdown()
    }
}
