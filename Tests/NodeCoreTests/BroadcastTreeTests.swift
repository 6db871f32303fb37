import Broadcast
import GossipCore
import GossipTestKit
import MemberlistWire
import NodeCore
import Replication
import SWIM
import Serf
import Testing

/// The broadcast tree on full node cores in virtual time: user events of up to 64 KiB reach every member that
/// carries the tree exactly once (over streams when they do not fit a datagram), Serf agents in the same cluster
/// still get those that fit Serf's limit, the store's writes travel the tree instead of rumor rounds, survivors of
/// a crash still get everything, and malformed tree messages are dropped and counted.
@Suite("The broadcast tree on the node core", .serialized)
struct BroadcastTreeTests {
    static func cluster(
        size: Int, seed: UInt64, tree: @escaping (Int) -> Bool = { _ in true },
        store: Replication.Store.Configuration? = nil
    ) -> SimulatedCluster {
        SimulatedCluster(
            size: size, network: NetworkConditions(latency: .uniform(.microseconds(200), .milliseconds(2))),
            seed: seed, serf: Serf.Configuration(), store: store,
            broadcastTree: { tree($0) ? NodeCore.TreeConfiguration() : nil })
    }

    /// `count` bytes that differ from one event to the next.
    static func payload(_ count: Int, seed: UInt8) -> [UInt8] {
        (0..<count).map { UInt8(truncatingIfNeeded: $0) &+ seed }
    }

    static func payloadBytesSent(_ cluster: SimulatedCluster) -> Int {
        (0..<cluster.size).reduce(0) { $0 + cluster.core($1).treeStatistics.payloadBytesSent }
    }

    @Test("20 nodes: five 64 KiB events reach every node exactly once, and the tree settles to one copy per node")
    func largeEventsExactlyOnce() throws {
        let (counts, delivered, streams, lastCopies) = try {
            () throws -> ([Int: [String: Int]], [[UInt8]], Int, Double) in
            let cluster = Self.cluster(size: 20, seed: 11)
            // Joined one by one through node 0, as agents start: a new member reaches some peers before its
            // `alive` does, and their answers wait for its address.
            cluster.startAll(joiningThrough: 0, spacing: .milliseconds(100))
            cluster.run(for: .seconds(10))
            var before = 0
            for number in 0..<5 {
                before = Self.payloadBytesSent(cluster)
                try cluster.sendUserEvent(
                    node: 3 * number, name: "blob-\(number)", payload: Self.payload(65_536 - 6, seed: UInt8(number)),
                    coalesce: false)
                cluster.run(for: .seconds(2))
            }
            let copies = Double(Self.payloadBytesSent(cluster) - before) / Double(65_536 - 6)
            let streams = (0..<20).reduce(0) { $0 + cluster.core($1).treeStatistics.streamsSent }
            let payloads = cluster.deliveries.filter { $0.event.name == "blob-4" }.map(\.event.payload)
            return (cluster.deliveryCounts, payloads, streams, copies)
        }()
        for node in 0..<20 {
            for number in 0..<5 { #expect(counts[node]?["blob-\(number)"] == 1, "node \(node), blob-\(number)") }
        }
        #expect(delivered.count == 20)
        #expect(delivered.allSatisfy { $0 == Self.payload(65_536 - 6, seed: 4) })
        #expect(streams > 0, "a 64 KiB payload does not fit a datagram")
        // The fifth broadcast goes down a settled tree: about one copy per other node (19), where flooding the
        // overlay sends one per link end (about 2.5 per node).
        #expect(lastCopies >= 19 && lastCopies < 22, "payload copies of the last broadcast: \(lastCopies)")
    }

    @Test("a mixed cluster: Serf-size events reach every member once, larger ones only the tree's members")
    func mixedWithSerfMembers() throws {
        let (counts, refused) = try { () throws -> ([Int: [String: Int]], Bool) in
            // Nodes 0–9 carry the tree; 10–14 are Serf members (as a serf agent would be).
            let cluster = Self.cluster(size: 15, seed: 4, tree: { $0 < 10 })
            cluster.startAllFormed()
            cluster.run(for: .seconds(5))
            try cluster.sendUserEvent(node: 2, name: "small-from-tree", payload: Self.payload(300, seed: 1))
            try cluster.sendUserEvent(node: 12, name: "small-from-serf", payload: Self.payload(300, seed: 2))
            try cluster.sendUserEvent(node: 7, name: "large", payload: Self.payload(4_096, seed: 3))
            var refused = false
            do {
                try cluster.sendUserEvent(node: 11, name: "too-large", payload: Self.payload(4_096, seed: 4))
            } catch {
                refused = true
            }
            cluster.run(for: .seconds(10))
            return (cluster.deliveryCounts, refused)
        }()
        for node in 0..<15 {
            #expect(counts[node]?["small-from-tree"] == 1, "node \(node)")
            #expect(counts[node]?["small-from-serf"] == 1, "node \(node)")
            #expect(counts[node]?["large"] == (node < 10 ? 1 : nil), "node \(node)")
        }
        #expect(refused, "a Serf member refuses an event over Serf's 512 bytes")
    }

    @Test("the store's writes travel the tree: every replica has them in a second, with no rumor rounds")
    func storeRumorsOnTheTree() throws {
        var store = Replication.Store.Configuration()
        store.antiEntropyInterval = .seconds(3600)
        let (values, rumorsSent) = try { () throws -> ([[UInt8]?], Int) in
            let cluster = Self.cluster(size: 12, seed: 8, store: store)
            cluster.persistLatency = .milliseconds(1)
            cluster.startAllFormed()
            cluster.run(for: .seconds(5))
            for index in 0..<20 { _ = try cluster.put(node: index % 12, "key-\(index)", Array("value \(index)".utf8)) }
            cluster.run(for: .seconds(1))
            let values = (0..<12).flatMap { node in (0..<20).map { cluster.store(node)?.value(of: "key-\($0)") } }
            let rumors = (0..<12).reduce(0) { $0 + (cluster.store($1)?.statistics.rumorsSent ?? 0) }
            return (values, rumors)
        }()
        #expect(values.count == 240)
        for (index, value) in values.enumerated() {
            #expect(value == Array("value \(index % 20)".utf8), "node \(index / 20), key-\(index % 20)")
        }
        #expect(rumorsSent == 0)
    }

    @Test("after 6 of 24 nodes crash, an event still reaches every survivor exactly once")
    func survivorsAfterCrashes() throws {
        let counts = try { () throws -> [Int: [String: Int]] in
            let cluster = Self.cluster(size: 24, seed: 19)
            cluster.startAllFormed()
            cluster.run(for: .seconds(5))
            try cluster.sendUserEvent(node: 0, name: "before", payload: Self.payload(2_000, seed: 1))
            cluster.run(for: .seconds(2))
            for node in stride(from: 2, to: 24, by: 4) { cluster.crash(node: node) }
            // Sent at once: the tree repairs itself as it goes (grafts from lazy links), before the crashed
            // members are even suspected.
            try cluster.sendUserEvent(node: 1, name: "during", payload: Self.payload(2_000, seed: 2))
            cluster.run(for: .seconds(60))
            try cluster.sendUserEvent(node: 1, name: "after", payload: Self.payload(2_000, seed: 3))
            cluster.run(for: .seconds(5))
            return cluster.deliveryCounts
        }()
        for node in 0..<24 where (node - 2) % 4 != 0 {
            for name in ["before", "during", "after"] { #expect(counts[node]?[name] == 1, "node \(node), \(name)") }
        }
    }

    @Test("tree messages round-trip through their wire form; malformed ones are refused and counted")
    func wireForm() throws {
        typealias Tree = Broadcast.Plumtree<String>
        let id = Tree.MessageID(origin: "web-1", sequence: 42)
        let messages: [TreeWire.Message] = [
            .overlay(.join), .overlay(.forwardJoin(node: "web-2", ttl: 6)), .overlay(.joinAccepted),
            .overlay(.neighbor(urgent: true)), .overlay(.neighborReply(accepted: false)), .overlay(.disconnect),
            .overlay(.shuffle(origin: "web-3", ttl: 2, sample: ["a", "b"])), .overlay(.shuffleReply(sample: [])),
            .tree(.gossip(id, round: 3, payload: [1, 2, 3])), .tree(.ihave([.init(id: id, round: 1)])),
            .tree(.graft(id, round: 2)), .tree(.prune),
        ]
        for message in messages {
            let decoded = try TreeWire.decode(TreeWire.encode(message, from: "web-9"))
            #expect(decoded.sender == "web-9")
            #expect(decoded.message == message)
        }
        let valid = TreeWire.encode(.tree(.gossip(id, round: 3, payload: [1, 2, 3])), from: "web-9")
        for cut in 1..<valid.count { #expect(throws: WireError.self) { try TreeWire.decode(Array(valid[..<cut])) } }
        #expect(throws: WireError.self) { try TreeWire.decode(valid + [0]) }
        #expect(throws: WireError.self) { try TreeWire.decode([TreeWire.kind, 0x92, 0xA1, 0x61, 0x63]) }

        var core = try NodeCore(
            name: "solo", address: NodeAddress(ip: .loopbackV4, port: 7946),
            configuration: { () -> NodeCore.Configuration in
                var configuration = NodeCore.Configuration()
                configuration.broadcastTree = NodeCore.TreeConfiguration()
                return configuration
            }())
        var random = SeededRandom(seed: 1)
        _ = core.start(at: .zero, using: &random)
        let junk: [[UInt8]] = [[TreeWire.kind], [TreeWire.kind, 0xFF], Array(valid.dropLast())]
        for bytes in junk {
            _ = core.receive([.user(bytes)], from: NodeAddress(ip: .loopbackV4, port: 7947), at: .zero, using: &random)
        }
        _ = core.receiveStreamMessage([TreeWire.kind, 0x90], at: .zero, using: &random)
        #expect(core.treeStatistics.dropped == 4)
        #expect(core.tags["swift-gossip"] == "plumtree")
    }
}
