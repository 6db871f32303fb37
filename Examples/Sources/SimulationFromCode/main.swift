import GossipCore
import GossipTestKit
import SWIM
import Serf

// 200 full node cores (memberlist's protocol and Serf's layer) in virtual time: a formed cluster, one node
// crashed, and how long the others take to list it failed. The same seed prints the same figures.
let cluster = SimulatedCluster(size: 200, seed: 7, serf: Serf.Configuration())
cluster.startAllFormed()
cluster.run(for: .seconds(5))
cluster.crash(node: 42)
let crashed = cluster.now
let detected = cluster.run(until: crashed + .seconds(60)) { cluster in
    cluster.runningNodes.allSatisfy { cluster.status(of: 42, seenBy: $0) == .dead }
}
print("every live member declared node-042 dead: \(detected), after \(cluster.now - crashed)")
