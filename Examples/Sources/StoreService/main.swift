import GossipCore
import GossipNIO

// A node that replicates: it writes a key, bumps a counter and prints what changes, its own writes and those
// of the other swift-gossip nodes it joins (pass their address as the first argument).
var configuration = NodeConfiguration(name: "store-\(Int.random(in: 1000..<10000))")
configuration.bindAddress = NodeAddress("127.0.0.1:0")!
configuration.replication = ReplicationConfiguration()
let node = GossipNode(configuration: configuration)
try await node.start()
if let seed = CommandLine.arguments.dropFirst().first.flatMap(NodeAddress.init) { await node.join([seed]) }
let changes = await node.watch(prefix: "")
let written = try await node.put("greeting", Array("hello".utf8))
print("greeting written at \(written), durable here")
print("visits: \(try await node.increment("visits", by: 1))")
for await change in changes {
    print("\(change.origin): \(change.key) = \(change.value.map { String(decoding: $0, as: UTF8.self) } ?? "(deleted)")")
}
