import Dissemination
import GossipCore
import GossipTestKit

/// Object relay in continuous time over a peer graph, by announce-then-fetch
/// (`Dissemination.AnnounceThenFetch`) or by flooding the whole object, with per-link latency and a transfer
/// time that grows with the object's size: a model of Bitcoin's transaction and block relay.
public struct AnnounceFetchSimulation: Sendable {
    /// What to simulate.
    public struct Configuration: Sendable {
        /// Nodes.
        public var nodes: Int
        /// The peer graph (Bitcoin: about 8 peers each).
        public var topology: Topology = .randomRegular(degree: 8)
        /// Bytes of the object.
        public var objectBytes: Int = 250
        /// Bytes of an announcement or a request.
        public var announcementBytes: Int = 61
        /// Per-node upload bandwidth, bytes per second.
        public var bandwidthBytesPerSecond: Double = 1_250_000
        /// One-way latency between two nodes that are both in the same region.
        public var localLatency: LatencyModel = .uniform(.milliseconds(20), .milliseconds(60))
        /// Extra one-way latency when either end is in the far region (for example India to Europe).
        public var farLatency: Duration = .milliseconds(120)
        /// Share of nodes in the far region.
        public var farShare: Double = 0.2
        /// Whether to flood the object itself instead of announcing it.
        public var flood = false
        /// Delay before a node announces (Bitcoin trickles announcements).
        public var announceDelay: Duration = .milliseconds(50)

        /// A configuration with defaults for the rest.
        public init(nodes: Int) { self.nodes = nodes }
    }

    /// What one run measured.
    public struct Outcome: Sendable, Hashable, Codable {
        /// Seconds until each node held the object (nil if never), from its origin's first send.
        public var arrival: [Double?]
        /// Whether each node is in the far region.
        public var far: [Bool]
        /// Full-object transfers.
        public var objectTransfers: Int
        /// Object transfers to nodes that already had it.
        public var duplicateTransfers: Int
        /// Announcements that found the object already held or requested: transfers avoided.
        public var transfersAvoided: Int
        /// Bytes sent in all.
        public var bytes: Int
    }

    enum Event {
        case announce(to: Int32, from: Int32)
        case request(to: Int32, from: Int32)
        case object(to: Int32, from: Int32)
    }

    /// The configuration.
    public let configuration: Configuration
    /// The peer graph.
    public let graph: PeerGraph

    /// An engine; the graph is built from `graphSeed`.
    public init(_ configuration: Configuration, graphSeed: UInt64 = 0) {
        precondition(configuration.nodes >= 2, "needs at least two nodes")
        self.configuration = configuration
        self.graph = PeerGraph(configuration.topology, nodeCount: configuration.nodes, seed: graphSeed)
    }

    /// Relays one object from a random node.
    public func run(seed: UInt64) -> Outcome {
        let config = configuration
        let n = config.nodes
        var rng = SeededRandom(seed: seed)
        let far = (0..<n).map { _ in rng.nextBool(probability: config.farShare) }
        let policy = Dissemination.AnnounceThenFetch()
        var state = [Dissemination.AnnounceThenFetch.State](repeating: .unknown, count: n)
        var arrival = [Double?](repeating: nil, count: n)
        // When each node's uplink is next free: transfers queue behind each other.
        var uplinkFree = [Instant](repeating: .zero, count: n)
        var scheduler = VirtualScheduler<Event>()
        var outcome = Outcome(
            arrival: [], far: far, objectTransfers: 0, duplicateTransfers: 0, transfersAvoided: 0, bytes: 0)

        func latency(_ a: Int, _ b: Int) -> Duration {
            config.localLatency.sample(using: &rng) + (far[a] || far[b] ? config.farLatency : .zero)
        }
        func send(_ event: Event, from: Int, to: Int, bytes: Int, after delay: Duration = .zero) {
            outcome.bytes += bytes
            let start = max(scheduler.now + delay, uplinkFree[from])
            let transmit = Duration.nanoseconds(Int64(Double(bytes) / config.bandwidthBytesPerSecond * 1e9))
            uplinkFree[from] = start + transmit
            scheduler.schedule(event, at: start + transmit + latency(from, to))
        }
        func neighbours(_ node: Int) -> [Int] {
            let start = Int(graph.offsets[node])
            let end = Int(graph.offsets[node + 1])
            return graph.neighbours[start..<end].map(Int.init)
        }
        func relay(from node: Int, except source: Int?) {
            for peer in neighbours(node) where peer != source {
                if config.flood {
                    outcome.objectTransfers += 1
                    send(.object(to: Int32(peer), from: Int32(node)), from: node, to: peer, bytes: config.objectBytes)
                } else {
                    send(
                        .announce(to: Int32(peer), from: Int32(node)), from: node, to: peer,
                        bytes: config.announcementBytes, after: config.announceDelay)
                }
            }
        }

        let origin = rng.nextIndex(below: n)
        state[origin] = .held
        arrival[origin] = 0
        relay(from: origin, except: nil)
        while let event = scheduler.next(notAfter: .zero + .seconds(3_600)) {
            switch event {
            case .announce(let to, let from):
                if policy.announced(&state[Int(to)]) == .request {
                    send(.request(to: from, from: to), from: Int(to), to: Int(from), bytes: config.announcementBytes)
                } else {
                    outcome.transfersAvoided += 1
                }
            case .request(let to, let from):
                outcome.objectTransfers += 1
                send(.object(to: from, from: to), from: Int(to), to: Int(from), bytes: config.objectBytes)
            case .object(let to, let from):
                let node = Int(to)
                if policy.delivered(&state[node]) == .keepAndAnnounce {
                    arrival[node] = scheduler.now.seconds
                    relay(from: node, except: Int(from))
                } else {
                    outcome.duplicateTransfers += 1
                }
            }
        }
        outcome.arrival = arrival
        return outcome
    }
}
