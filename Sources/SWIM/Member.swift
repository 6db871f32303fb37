import GossipCore

extension SWIM {
    /// What a node believes about a member, with memberlist's four states.
    public enum Status: UInt8, Hashable, Sendable, CustomStringConvertible, CaseIterable {
        /// Answering probes, or refuted the last accusation.
        case alive = 0
        /// Missed a probe; declared dead when the suspicion timeout expires unless it refutes first.
        case suspect = 1
        /// Declared failed (Serf shows it as `failed`).
        case dead = 2
        /// Left gracefully: announced a `dead` about itself.
        case left = 3

        /// `true` for ``dead`` and ``left``.
        public var isDeadOrLeft: Bool { self == .dead || self == .left }

        /// The lowercase name (`alive`, `suspect`, `dead`, `left`).
        public var description: String {
            switch self {
            case .alive: return "alive"
            case .suspect: return "suspect"
            case .dead: return "dead"
            case .left: return "left"
            }
        }
    }

    /// The six version bytes every node advertises (memberlist's `Vsn`): the memberlist protocol range and the
    /// delegate (Serf) protocol range, each as minimum, maximum and current.
    public struct ProtocolVersions: Hashable, Sendable {
        /// Oldest memberlist protocol understood.
        public var protocolMin: UInt8
        /// Newest memberlist protocol understood; enables stream pings (≥ 3), nacks (≥ 4) and CRC (≥ 5).
        public var protocolMax: UInt8
        /// memberlist protocol spoken.
        public var protocolCurrent: UInt8
        /// Oldest delegate (Serf) protocol understood.
        public var delegateMin: UInt8
        /// Newest delegate protocol understood.
        public var delegateMax: UInt8
        /// Delegate protocol spoken.
        public var delegateCurrent: UInt8

        /// Creates a version vector from its six parts.
        public init(
            protocolMin: UInt8, protocolMax: UInt8, protocolCurrent: UInt8,
            delegateMin: UInt8, delegateMax: UInt8, delegateCurrent: UInt8
        ) {
            self.protocolMin = protocolMin
            self.protocolMax = protocolMax
            self.protocolCurrent = protocolCurrent
            self.delegateMin = delegateMin
            self.delegateMax = delegateMax
            self.delegateCurrent = delegateCurrent
        }

        /// The vector from its six wire bytes, or `nil` unless there are exactly six.
        public init?(bytes: some Collection<UInt8>) {
            guard bytes.count == 6 else { return nil }
            let b = Array(bytes)
            self.init(
                protocolMin: b[0], protocolMax: b[1], protocolCurrent: b[2],
                delegateMin: b[3], delegateMax: b[4], delegateCurrent: b[5])
        }

        /// `[1, 5, 2, 2, 5, 5]`: what a Debian Serf 0.9.4 agent sends and accepts.
        public static let serfCompatible = ProtocolVersions(
            protocolMin: 1, protocolMax: 5, protocolCurrent: 2, delegateMin: 2, delegateMax: 5, delegateCurrent: 5)

        /// The six wire bytes.
        public var bytes: [UInt8] {
            [protocolMin, protocolMax, protocolCurrent, delegateMin, delegateMax, delegateCurrent]
        }

        /// `false` when memberlist drops an alive carrying these versions (a zero or inverted protocol range).
        public var isValid: Bool { protocolMin != 0 && protocolMax != 0 && protocolMin <= protocolMax }
    }

    /// One member of the cluster as a node sees it.
    public struct Member: Hashable, Sendable, CustomStringConvertible {
        /// The unique node name.
        public var name: String
        /// Where it receives packets and streams.
        public var address: NodeAddress
        /// Application metadata (Serf puts its tags here), at most ``SWIM/Settings/maxMetadataSize`` bytes.
        public var metadata: [UInt8]
        /// The member's own counter; only it raises it, to refute accusations.
        public var incarnation: UInt32
        /// What this node believes.
        public var status: Status
        /// When ``status`` last changed, by this node's clock.
        public var statusChangedAt: Instant
        /// The versions it advertises.
        public var protocolVersions: ProtocolVersions

        /// Creates a member record.
        public init(
            name: String, address: NodeAddress, metadata: [UInt8] = [], incarnation: UInt32, status: Status,
            statusChangedAt: Instant, protocolVersions: ProtocolVersions = .serfCompatible
        ) {
            self.name = name
            self.address = address
            self.metadata = metadata
            self.incarnation = incarnation
            self.status = status
            self.statusChangedAt = statusChangedAt
            self.protocolVersions = protocolVersions
        }

        /// `name (address) status#incarnation`.
        public var description: String { "\(name) (\(address)) \(status)#\(incarnation)" }
    }
}
