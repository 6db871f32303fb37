extension SWIM {
    /// Why an ``Instance`` ignored an input it could not use. Each is counted in ``Statistics``.
    public enum DropReason: Int, CaseIterable, Hashable, Sendable, CustomStringConvertible {
        /// A message naming a member with an empty name.
        case emptyNodeName
        /// A suspect or dead message about a member this node never heard of (memberlist ignores these).
        case unknownMember
        /// A ping addressed to another node name.
        case pingForAnotherNode
        /// An ack or nack whose sequence number matches no probe or relay in progress.
        case unexpectedAck
        /// An alive with a zero or inverted protocol range.
        case invalidProtocolVersions
        /// Metadata over ``SWIM/Settings/maxMetadataSize``.
        case oversizedMetadata
        /// A push-pull with more than ``SWIM/Settings/maxPushPullMembers`` members.
        case oversizedState
        /// A push-pull whose protocol versions cannot work with this cluster.
        case incompatibleProtocolVersions
        /// An alive for a known, live name at another address (memberlist "Conflicting address").
        case conflictingAddress
        /// An input that arrived after this node left.
        case afterLeave

        /// A short kebab-case name for logs and metric labels.
        public var description: String {
            switch self {
            case .emptyNodeName: return "empty-node-name"
            case .unknownMember: return "unknown-member"
            case .pingForAnotherNode: return "ping-for-another-node"
            case .unexpectedAck: return "unexpected-ack"
            case .invalidProtocolVersions: return "invalid-protocol-versions"
            case .oversizedMetadata: return "oversized-metadata"
            case .oversizedState: return "oversized-state"
            case .incompatibleProtocolVersions: return "incompatible-protocol-versions"
            case .conflictingAddress: return "conflicting-address"
            case .afterLeave: return "after-leave"
            }
        }
    }

    /// Counters an ``Instance`` keeps about its own work; the node exports them as metrics.
    public struct Statistics: Hashable, Sendable {
        /// Probes started.
        public var probes = 0
        /// Probes that ended in a suspicion.
        public var failedProbes = 0
        /// Indirect ping requests sent.
        public var indirectProbes = 0
        /// Nacks received from indirect probers.
        public var nacksReceived = 0
        /// Stream (TCP) fallback pings requested.
        public var streamPings = 0
        /// Probes that only the stream ping answered (UDP may be blocked).
        public var streamPingOnlySuccesses = 0
        /// Suspicions this node raised or accepted.
        public var suspicions = 0
        /// Members this node declared or accepted as dead.
        public var deaths = 0
        /// Accusations about this node that it refuted.
        public var refutations = 0
        /// Push-pull exchanges this node started (periodic, join and reconnect).
        public var pushPullsStarted = 0
        /// Push-pull exchanges this node started that failed.
        public var pushPullsFailed = 0
        /// Push-pull exchanges this node answered.
        public var pushPullsAnswered = 0
        /// Reconnect attempts towards dead members.
        public var reconnectAttempts = 0
        /// Ignored inputs, indexed by ``DropReason/init(rawValue:)``.
        public private(set) var drops = [Int](repeating: 0, count: DropReason.allCases.count)

        /// Creates zeroed counters.
        public init() {}

        /// Inputs dropped for `reason`.
        public func drops(_ reason: DropReason) -> Int { drops[reason.rawValue] }

        /// All inputs dropped, whatever the reason.
        public var totalDrops: Int { drops.reduce(0, +) }

        mutating func recordDrop(_ reason: DropReason) { drops[reason.rawValue] += 1 }
    }
}
