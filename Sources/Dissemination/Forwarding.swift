import GossipCore

extension Dissemination {
    /// How long a node that has the update keeps sending it.
    public enum Forwarding: Sendable, Hashable, Codable, CustomStringConvertible {
        /// Every round, for ever: anti-entropy, the SI epidemic (push, pull, push-pull of Pittel and Karp et al.).
        case forever
        /// Until it loses interest by a rumor-mongering policy: the SIR epidemic of Demers et al.
        case rumor(RumorPolicy)
        /// Once, in the round after it learns the update, to `fanout` peers, then never again (infect-and-die).
        case infectAndDie

        /// `anti-entropy`, `rumor feedback-counter k=2`, `infect-and-die`.
        public var description: String {
            switch self {
            case .forever: return "anti-entropy"
            case .rumor(let policy): return "rumor \(policy)"
            case .infectAndDie: return "infect-and-die"
            }
        }
    }

    /// Probabilistic forwarding: a node that learns the update forwards it with probability `p` and otherwise keeps
    /// quiet (bond percolation on the peer graph: below the graph's threshold the update dies out early).
    public struct ProbabilisticForwarding: Sendable, Hashable, Codable {
        /// The probability of forwarding, in 0...1.
        public var probability: Double

        /// Forwarding with probability `probability`, which must lie in 0...1.
        public init(probability: Double) {
            precondition((0...1).contains(probability), "a forwarding probability lies in 0...1")
            self.probability = probability
        }

        /// Whether a node that has just learned the update forwards it.
        @inlinable
        public func shouldForward(using rng: inout some RandomNumberGenerator) -> Bool {
            rng.nextBool(probability: probability)
        }

        /// An adaptive probability: a node with few peers forwards more surely, a node with many peers less, so that
        /// the expected number of forwarders among a node's neighbours stays near `targetForwarders`.
        public static func adaptive(degree: Int, targetForwarders: Double) -> ProbabilisticForwarding {
            guard degree > 0 else { return ProbabilisticForwarding(probability: 1) }
            return ProbabilisticForwarding(probability: min(1, max(0, targetForwarders / Double(degree))))
        }
    }

    /// A per-node limit on what it sends in one round.
    public struct BandwidthCap: Sendable, Hashable, Codable {
        /// Messages a node may send per round (`nil`: no limit).
        public var messagesPerRound: Int?
        /// Bytes a node may send per round (`nil`: no limit).
        public var bytesPerRound: Int?

        /// A cap; `nil` leaves that dimension unlimited.
        public init(messagesPerRound: Int? = nil, bytesPerRound: Int? = nil) {
            self.messagesPerRound = messagesPerRound
            self.bytesPerRound = bytesPerRound
        }

        /// No limit.
        public static let unlimited = BandwidthCap()

        /// How many messages of `messageSize` bytes a node may send this round, given what it wants to send.
        @inlinable
        public func allowance(wanted: Int, messageSize: Int) -> Int {
            var allowed = wanted
            if let messages = messagesPerRound { allowed = min(allowed, messages) }
            if let bytes = bytesPerRound, messageSize > 0 { allowed = min(allowed, bytes / messageSize) }
            return max(0, allowed)
        }
    }
}
