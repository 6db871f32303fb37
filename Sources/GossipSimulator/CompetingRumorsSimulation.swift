import Dissemination
import GossipCore

/// A rumor and the correction that supersedes it, spreading through the same network in synchronous rounds.
///
/// The rumor spreads by rumor mongering (a `Dissemination.RumorPolicy` with a fanout per round); the correction
/// starts `correctionDelay` rounds later at another node and spreads by push-pull anti-entropy with its own fanout.
/// A node that holds the correction never forwards the rumor again, and a rumor arriving after the correction no
/// longer convinces it. The engine measures who saw the rumor, who saw it before the correction, and the rumor's
/// reproduction number R0 (new believers per believer among the first generations).
public struct CompetingRumorsSimulation: Sendable {
    /// What to simulate.
    public struct Configuration: Sendable, Hashable, Codable {
        /// Nodes, at least 2.
        public var nodes: Int
        /// How believers lose interest in forwarding the rumor.
        public var rumorPolicy: Dissemination.RumorPolicy
        /// Peers a believer forwards the rumor to per round.
        public var rumorFanout: Int = 2
        /// Rounds before the correction starts.
        public var correctionDelay: Int = 4
        /// Peers a holder of the correction tells per round (push-pull: the uninformed also ask one peer).
        public var correctionFanout: Int = 1
        /// The peer graph.
        public var topology: Topology = .complete

        /// A configuration with defaults for the rest.
        public init(nodes: Int, rumorPolicy: Dissemination.RumorPolicy) {
            self.nodes = nodes
            self.rumorPolicy = rumorPolicy
        }
    }

    /// What one run measured (shares of all nodes).
    public struct Outcome: Sendable, Hashable, Codable {
        /// Nodes that received the rumor at all.
        public var sawRumor: Double
        /// Nodes that received the rumor before the correction (they believed it for a while).
        public var believedBeforeCorrection: Double
        /// Nodes that received the correction.
        public var sawCorrection: Double
        /// New believers per believer, over believers of the first three rounds.
        public var reproductionNumber: Double
        /// Rumor messages sent.
        public var rumorMessages: Int
        /// Correction messages sent.
        public var correctionMessages: Int
        /// Rounds until neither rumor nor correction moved.
        public var rounds: Int
        /// Per round: believers, nodes holding the correction (cumulative shares).
        public var believersOverTime: [Double]
        /// Per round: nodes holding the correction.
        public var correctedOverTime: [Double]
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

    /// Runs once.
    public func run(seed: UInt64) -> Outcome {
        let config = configuration
        let n = config.nodes
        var rng = SeededRandom(seed: seed)
        // Rumor phase: 0 never heard, 1 spreading, 2 heard and stopped spreading.
        var rumor = [UInt8](repeating: 0, count: n)
        var counter = [UInt8](repeating: 0, count: n)
        var believedAt = [Int32](repeating: -1, count: n)
        var correctedAt = [Int32](repeating: -1, count: n)
        var caused = [UInt16](repeating: 0, count: n)
        let origin = rng.nextIndex(below: n)
        var checker = rng.nextIndex(below: n)
        if checker == origin { checker = (checker + 1) % n }
        rumor[origin] = 1
        believedAt[origin] = 0
        var believers = 1
        var corrected = 0
        var rumorMessages = 0
        var correctionMessages = 0
        var round = 0
        var believersOverTime = [1.0 / Double(n)]
        var correctedOverTime = [0.0]
        var spreading = true
        while spreading || (corrected > 0 && corrected < n) {
            round += 1
            if round == config.correctionDelay {
                correctedAt[checker] = Int32(round)
                corrected += 1
            }
            var newBelievers: [(Int, Int)] = []
            var newlyCorrected: [Int] = []
            for node in 0..<n {
                // The correction: holders tell, the uninformed ask (push-pull).
                if correctedAt[node] >= 0 && correctedAt[node] < Int32(round) {
                    for _ in 0..<config.correctionFanout {
                        guard let peer = graph.randomPeer(of: node, using: &rng) else { break }
                        correctionMessages += 1
                        if correctedAt[peer] < 0 { newlyCorrected.append(peer) }
                    }
                } else if corrected > 0, correctedAt[node] < 0, let peer = graph.randomPeer(of: node, using: &rng),
                    correctedAt[peer] >= 0 && correctedAt[peer] < Int32(round)
                {
                    correctionMessages += 1
                    newlyCorrected.append(node)
                }
                // The rumor: spreaders that have not been corrected forward it.
                guard rumor[node] == 1, believedAt[node] < Int32(round) else { continue }
                if correctedAt[node] >= 0 {
                    rumor[node] = 2
                    continue
                }
                for _ in 0..<config.rumorFanout {
                    guard let peer = graph.randomPeer(of: node, using: &rng) else { break }
                    rumorMessages += 1
                    let knew = rumor[peer] != 0 && believedAt[peer] < Int32(round)
                    if rumor[peer] == 0 {
                        rumor[peer] = 1
                        believedAt[peer] = Int32(round)
                        newBelievers.append((peer, node))
                    }
                    if !config.rumorPolicy.recordContact(counter: &counter[node], recipientKnew: knew, using: &rng) {
                        rumor[node] = 2
                        break
                    }
                }
            }
            for (node, source) in newBelievers {
                caused[source] &+= 1
                // Someone already corrected hears the rumor but does not believe or forward it.
                if correctedAt[node] >= 0 { rumor[node] = 2 } else { believers += 1 }
            }
            for node in newlyCorrected where correctedAt[node] < 0 {
                correctedAt[node] = Int32(round)
                corrected += 1
            }
            spreading = rumor.contains(1)
            believersOverTime.append(Double(believers) / Double(n))
            correctedOverTime.append(Double(corrected) / Double(n))
            if round > 10_000 { break }
        }
        let early = (0..<n).filter { believedAt[$0] >= 0 && believedAt[$0] <= 2 }
        let reproduction = early.isEmpty ? 0 : Double(early.reduce(0) { $0 + Int(caused[$1]) }) / Double(early.count)
        let sawRumor = (0..<n).filter { rumor[$0] != 0 }.count
        let believedFirst = (0..<n).filter {
            believedAt[$0] >= 0 && (correctedAt[$0] < 0 || believedAt[$0] < correctedAt[$0])
        }.count
        return Outcome(
            sawRumor: Double(sawRumor) / Double(n), believedBeforeCorrection: Double(believedFirst) / Double(n),
            sawCorrection: Double(corrected) / Double(n), reproductionNumber: reproduction,
            rumorMessages: rumorMessages, correctionMessages: correctionMessages, rounds: round,
            believersOverTime: believersOverTime, correctedOverTime: correctedOverTime)
    }
}
