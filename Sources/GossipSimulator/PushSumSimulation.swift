import Dissemination
import GossipCore

/// Push-sum aggregation (Kempe et al. 2003) in synchronous rounds on any peer graph: every node keeps half of its
/// (sum, weight) and sends half to one random peer, through `Dissemination.PushSum`.
public struct PushSumSimulation: Sendable {
    /// What one run measured.
    public struct Outcome: Sendable, Hashable, Codable {
        /// The true average of the initial values.
        public var trueAverage: Double
        /// The largest relative error over all nodes after each round (element 0: before the first round).
        public var maximumRelativeError: [Double]
        /// The first round after which every node's estimate lies within `targetError` of the truth.
        public var roundsToTarget: Int?
        /// Messages sent (one per node per round).
        public var messages: Int
    }

    /// Nodes.
    public let nodes: Int
    /// The peer graph.
    public let graph: PeerGraph
    /// Share of messages lost (lost mass makes the estimate drift; push-sum assumes none).
    public let lossRate: Double

    /// An engine for `nodes` nodes on `topology`.
    public init(nodes: Int, topology: Topology = .complete, lossRate: Double = 0, graphSeed: UInt64 = 0) {
        precondition(nodes >= 2, "push-sum needs at least two nodes")
        self.nodes = nodes
        self.graph = PeerGraph(topology, nodeCount: nodes, seed: graphSeed)
        self.lossRate = lossRate
    }

    /// Runs `rounds` rounds from `values` (one per node) and reports the error after each.
    ///
    /// `observe`, if given, is called after every round with the round number and every node's state: it may read
    /// the estimates (an alert rule) and change states (a node whose value changes by δ adds δ·weight to its sum;
    /// the truth the error is measured against is then the mean of the states' masses).
    public func run(
        values: [Double], rounds: Int, targetError: Double, seed: UInt64,
        observe: ((Int, inout [Dissemination.PushSum]) -> Void)? = nil
    ) -> Outcome {
        precondition(values.count == nodes, "push-sum needs one value per node")
        var rng = SeededRandom(seed: seed)
        var state = values.map { Dissemination.PushSum(value: $0) }
        var truth = values.reduce(0, +) / Double(nodes)
        var errors = [Self.maximumError(state, truth: truth)]
        var target: Int? = errors[0] <= targetError ? 0 : nil
        var inbox = [Dissemination.PushSum.Share](repeating: .init(sum: 0, weight: 0), count: nodes)
        var messages = 0
        for round in 1...max(1, rounds) {
            for node in 0..<nodes {
                let share = state[node].split()
                guard let peer = graph.randomPeer(of: node, using: &rng) else {
                    state[node].absorb(share)
                    continue
                }
                messages += 1
                if lossRate > 0 && rng.nextBool(probability: lossRate) { continue }
                inbox[peer].sum += share.sum
                inbox[peer].weight += share.weight
            }
            for node in 0..<nodes {
                state[node].absorb(inbox[node])
                inbox[node] = .init(sum: 0, weight: 0)
            }
            if let observe {
                observe(round, &state)
                truth = state.reduce(0) { $0 + $1.sum } / state.reduce(0) { $0 + $1.weight }
            }
            let error = Self.maximumError(state, truth: truth)
            errors.append(error)
            if target == nil && error <= targetError { target = round }
        }
        return Outcome(trueAverage: truth, maximumRelativeError: errors, roundsToTarget: target, messages: messages)
    }

    private static func maximumError(_ state: [Dissemination.PushSum], truth: Double) -> Double {
        var worst = 0.0
        for node in state {
            guard let estimate = node.estimate else { return .infinity }
            worst = max(worst, abs(estimate - truth) / max(abs(truth), .leastNormalMagnitude))
        }
        return worst
    }
}
