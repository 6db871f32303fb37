import Foundation

extension Dissemination {
    /// How many peers a node contacts in one round.
    public enum FanoutPolicy: Sendable, Hashable, Codable, CustomStringConvertible {
        /// Always `f` peers.
        case fixed(Int)
        /// `ceil(ln n + c)` peers: with infect-and-die, this fanout reaches everyone with probability
        /// `exp(-exp(-c))` (Erdős–Rényi; Kermarrec et al. 2003).
        case logarithmic(c: Double)
        /// A fanout that a node adjusts from the duplicates it receives (see ``AdaptiveFanout``).
        case adaptive(AdaptiveFanout)

        /// The fanout a node uses in a cluster of `clusterSize` nodes, before any adaptation.
        public func initialFanout(clusterSize: Int) -> Int {
            switch self {
            case .fixed(let fanout):
                return max(0, fanout)
            case .logarithmic(let c):
                return max(1, Int((log(Double(max(clusterSize, 1))) + c).rounded(.up)))
            case .adaptive(let adaptive):
                return adaptive.initial
            }
        }

        /// `fixed(3)`, `ln n + 1.0`, `adaptive 1...8`.
        public var description: String {
            switch self {
            case .fixed(let fanout): return "fixed(\(fanout))"
            case .logarithmic(let c): return "ln n + \(c)"
            case .adaptive(let adaptive): return "adaptive \(adaptive.minimum)...\(adaptive.maximum)"
            }
        }
    }

    /// A fanout that follows the share of duplicates a node receives: many duplicates mean the update already
    /// saturates the node's neighbourhood, so it sends to fewer peers; few duplicates mean it is early in the
    /// epidemic, or the network is sparse or lossy, so it sends to more.
    public struct AdaptiveFanout: Sendable, Hashable, Codable {
        /// The smallest fanout.
        public var minimum: Int
        /// The largest fanout.
        public var maximum: Int
        /// The fanout a node starts with.
        public var initial: Int
        /// The duplicate share the node steers toward: above it the fanout shrinks by one, below half of it
        /// the fanout grows by one.
        public var targetDuplicateShare: Double

        /// An adaptive fanout between `minimum` and `maximum`, starting at `initial`.
        public init(minimum: Int = 1, maximum: Int = 8, initial: Int = 3, targetDuplicateShare: Double = 0.5) {
            self.minimum = max(0, minimum)
            self.maximum = max(self.minimum, maximum)
            self.initial = min(max(initial, self.minimum), self.maximum)
            self.targetDuplicateShare = targetDuplicateShare
        }

        /// The next fanout, from the current one and what the node received since the last adjustment.
        public func adjusted(_ current: Int, received: Int, duplicates: Int) -> Int {
            guard received > 0 else { return current }
            let share = Double(duplicates) / Double(received)
            if share > targetDuplicateShare { return max(minimum, current - 1) }
            if share < targetDuplicateShare / 2 { return min(maximum, current + 1) }
            return current
        }
    }
}
