import Foundation
import GossipCore
import GossipNIO
import Logging
import SWIM

/// The default demo: real nodes on 127.0.0.1 in this process, each on its own UDP and TCP port, narrated with
/// wall-clock times: joins, a crash (the node stops without a word) and its detection, a graceful leave.
struct SocketDemo {
    let count: Int
    let settings: SWIM.Settings
    let start = Date()

    func tell() async throws {
        let quiet = Logger(label: "demo", factory: { _ in SwiftLogNoOpLogHandler() })
        var nodes: [GossipNode] = []
        for index in 1...count {
            var configuration = NodeConfiguration(name: "node-\(index)")
            configuration.bindAddress = NodeAddress(ip: .loopbackV4, port: 0)
            configuration.settings = settings
            configuration.tags = ["role": index == 1 ? "seed" : "worker"]
            configuration.leavePropagationDelay = .milliseconds(500)
            let node = GossipNode(configuration: configuration, logger: quiet)
            try await node.start()
            nodes.append(node)
        }
        do {
            try await narrate(nodes)
        } catch {
            for node in nodes { await node.shutdown() }
            throw error
        }
        for node in nodes { await node.shutdown() }
    }

    func narrate(_ nodes: [GossipNode]) async throws {
        let observer = nodes[0]
        let narrator = Task {
            for await event in observer.events {
                switch event {
                case .joined, .leaveCompleted, .updated: continue
                default: say("  node-1 \(event)")
                }
            }
        }
        defer { narrator.cancel() }
        let seed = try await requireAddress(of: observer)
        say(
            "swift-gossip demo: \(count) nodes on 127.0.0.1 (probe \(settings.probeInterval), suspicion "
                + "\(settings.suspicionMinimumTimeout(clusterSize: count))…"
                + "\(settings.suspicionMaximumTimeout(clusterSize: count)))")

        say("\n1. Joining: node-2 … node-\(count) join through node-1 (\(seed)).")
        for node in nodes.dropFirst() { await node.join([seed]) }
        try await milestone("every node lists \(count) alive members", within: 10) {
            await allAgree(nodes) { $0.filter { $0.status == .alive }.count == count }
        }

        let victim = nodes[2]
        let others = nodes.enumerated().filter { $0.offset != 2 }.map(\.element)
        say("\n2. Crash: node-3 stops without a word (like kill -9).")
        await victim.shutdown()
        try await milestone("every other node marks node-3 dead", within: 60) {
            await allAgree(others) { $0.first { $0.name == "node-3" }?.status == .dead }
        }

        let leaver = nodes[3]
        let remaining = others.filter { $0 !== leaver }
        say("\n3. Leave: node-4 leaves gracefully.")
        await leaver.leave()
        try await milestone("every remaining node lists node-4 as left", within: 10) {
            await allAgree(remaining) { $0.first { $0.name == "node-4" }?.status == .left }
        }

        var packets = 0
        for node in nodes { packets += await node.statistics.packetsOut }
        say("\nDone: \(packets) datagrams sent in all.")
    }

    func requireAddress(of node: GossipNode) async throws -> NodeAddress {
        guard let address = await node.boundAddress else { throw DemoError("the first node did not bind") }
        return address
    }

    func allAgree(_ nodes: [GossipNode], _ condition: ([SWIM.Member]) -> Bool) async -> Bool {
        for node in nodes where !condition(await node.members) { return false }
        return true
    }

    func milestone(_ text: String, within seconds: Double, _ condition: () async -> Bool) async throws {
        let begun = Date()
        while Date().timeIntervalSince(begun) < seconds {
            if await condition() {
                say("  => \(text) (+\(String(format: "%.3f", Date().timeIntervalSince(begun))) s)")
                return
            }
            try await Task.sleep(for: .milliseconds(20))
        }
        throw DemoError("not reached within \(Int(seconds)) s: \(text)")
    }

    let clockFormat: DateFormatter = {
        let formatter = DateFormatter()
        formatter.dateFormat = "HH:mm:ss.SSS"
        return formatter
    }()

    func say(_ text: String) {
        let stamp = clockFormat.string(from: Date())
        let elapsed = String(format: "%7.3f", Date().timeIntervalSince(start))
        if text.hasPrefix("\n") {
            print("")
            print("\(stamp) +\(elapsed)s \(text.dropFirst())")
        } else {
            print("\(stamp) +\(elapsed)s \(text)")
        }
    }
}

struct DemoError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
