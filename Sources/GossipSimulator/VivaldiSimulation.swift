import Foundation
import GossipCore
import Serf

/// Serf's Vivaldi client (`Serf.VivaldiClient`) on a synthetic planet: nodes gathered around seven cities on a
/// sphere the size of the Earth, round trips from the great-circle distance through fibre (with route
/// inflation) plus each node's access latency, and jitter on every observation. Each round every node probes one
/// random other node and updates its coordinate from the answer, as Serf does on every probe; the estimates are
/// compared with the truth on a fixed sample of pairs.
public struct VivaldiSimulation: Sendable {
    /// What to run.
    public struct Configuration: Sendable {
        /// Nodes.
        public var nodes: Int
        /// Probe rounds: each node takes one observation per round.
        public var rounds = 1_000
        /// The share by which each observed round trip varies, uniformly either way. Default: 0.05.
        public var jitter = 0.05
        /// Pairs the error is measured on. Default: 2,000.
        public var samplePairs = 2_000
        /// Rounds between measurements. Default: 10.
        public var measureEvery = 10
        /// The coordinate model (Serf's defaults).
        public var model = Serf.VivaldiClient.Configuration()

        /// A configuration of `nodes` nodes with the defaults above.
        public init(nodes: Int) {
            self.nodes = nodes
        }
    }

    /// What one run measured.
    public struct Outcome: Sendable, Hashable, Codable {
        /// Rounds and the median relative error of the sampled pairs after them.
        public var timeline: [[Double]]
        /// The median relative error |estimate − truth| / truth at the end.
        public var medianError: Double
        /// The 90th percentile of the relative error at the end.
        public var p90Error: Double
        /// The mean relative error at the end (what Serf's own tests bound).
        public var meanError: Double
        /// The first measured round whose median error is within 10 % of the final one.
        public var roundsToConverge: Int
        /// Observations taken.
        public var updates: Int
        /// Coordinates that became invalid and were reset.
        public var resets: Int
    }

    /// The configuration.
    public let configuration: Configuration

    /// A simulation with `configuration`.
    public init(_ configuration: Configuration) {
        self.configuration = configuration
    }

    /// Where the nodes gather: latitude and longitude in degrees (New York, San Francisco, Frankfurt, Tokyo,
    /// Mumbai, São Paulo, Sydney).
    static let cities: [(Double, Double)] = [
        (40.7, -74.0), (37.8, -122.4), (50.1, 8.7), (35.7, 139.7), (19.1, 72.9), (-23.6, -46.6), (-33.9, 151.2),
    ]

    /// A node's place and access latency.
    struct Site {
        var x: Double
        var y: Double
        var z: Double
        /// One way from the node to the backbone, in seconds.
        var access: Double
    }

    /// The true round trip between two sites, in seconds: twice the fibre time along the great circle, routes
    /// 1.5 times longer than it, light at 200,000 km/s in glass, plus both access latencies both ways.
    static func roundTrip(_ a: Site, _ b: Site) -> Double {
        let dot = max(-1, min(1, a.x * b.x + a.y * b.y + a.z * b.z))
        let kilometres = 6_371 * acos(dot) * 1.5
        return 2 * kilometres / 200_000 + 2 * (a.access + b.access)
    }

    /// Runs once with `seed`.
    public func run(seed: UInt64) -> Outcome {
        let config = configuration
        var rng = SeededRandom(seed: seed, stream: 0)
        var sites: [Site] = []
        sites.reserveCapacity(config.nodes)
        for _ in 0..<config.nodes {
            let city = Self.cities[Int(rng.next() % UInt64(Self.cities.count))]
            let latitude = (city.0 + 3 * Self.gaussian(&rng)) * .pi / 180
            let longitude = (city.1 + 3 * Self.gaussian(&rng)) * .pi / 180
            // Access latencies: most a fraction of a millisecond, a few on slow last miles.
            let access = 0.0002 - 0.002 * log(max(1e-12, Double.random(in: 0..<1, using: &rng)))
            sites.append(
                Site(
                    x: cos(latitude) * cos(longitude), y: cos(latitude) * sin(longitude), z: sin(latitude),
                    access: access))
        }
        let names = (0..<config.nodes).map { "node-\($0)" }
        var clients = Array(repeating: Serf.VivaldiClient(configuration: config.model), count: config.nodes)
        var pairs: [(Int, Int)] = []
        while pairs.count < config.samplePairs {
            let a = Int(rng.next() % UInt64(config.nodes))
            let b = Int(rng.next() % UInt64(config.nodes))
            if a != b { pairs.append((a, b)) }
        }
        var timeline: [[Double]] = []
        var updates = 0
        func errors() -> [Double] {
            pairs.map { a, b in
                let truth = Self.roundTrip(sites[a], sites[b])
                let estimate = clients[a].distance(to: clients[b].coordinate)
                let seconds = Double(estimate.components.seconds) + Double(estimate.components.attoseconds) / 1e18
                return abs(seconds - truth) / truth
            }.sorted()
        }
        for round in 1...config.rounds {
            for node in 0..<config.nodes {
                var peer = Int(rng.next() % UInt64(config.nodes - 1))
                if peer >= node { peer += 1 }
                let truth = Self.roundTrip(sites[node], sites[peer])
                let observed = truth * (1 + config.jitter * (2 * Double.random(in: 0..<1, using: &rng) - 1))
                let other = clients[peer].coordinate
                if (try? clients[node].update(
                    node: names[peer], other: other, roundTrip: .nanoseconds(Int64(observed * 1e9)), using: &rng))
                    != nil
                {
                    updates += 1
                }
            }
            if round % config.measureEvery == 0 || round == config.rounds {
                let sorted = errors()
                timeline.append([Double(round), sorted[sorted.count / 2]])
            }
        }
        let final = errors()
        let median = final[final.count / 2]
        let converged = timeline.first { $0[1] <= median * 1.1 }.map { Int($0[0]) } ?? config.rounds
        return Outcome(
            timeline: timeline, medianError: median, p90Error: final[final.count * 9 / 10],
            meanError: final.reduce(0, +) / Double(final.count), roundsToConverge: converged, updates: updates,
            resets: clients.reduce(0) { $0 + $1.resets })
    }

    static func gaussian(_ rng: inout SeededRandom) -> Double {
        let u = max(1e-12, Double.random(in: 0..<1, using: &rng))
        let v = Double.random(in: 0..<1, using: &rng)
        return (-2 * log(u)).squareRoot() * cos(2 * .pi * v)
    }
}
