import GossipCore

extension SWIM {
    /// A direct probe (memberlist `ping`, type 0). Answered by an ``Ack`` with the same sequence number.
    public struct Ping: Hashable, Sendable {
        /// The name of the node being probed; a node ignores a ping naming someone else. Empty: anyone.
        public var target: String
        /// Matches the ack to the probe.
        public var sequenceNumber: UInt32
        /// Where the sender wants the ack (its advertised address), so acks get through NAT.
        public var source: NodeAddress?
        /// The sender's name.
        public var sourceNode: String

        /// Creates a ping.
        public init(target: String, sequenceNumber: UInt32, source: NodeAddress?, sourceNode: String) {
            self.target = target
            self.sequenceNumber = sequenceNumber
            self.source = source
            self.sourceNode = sourceNode
        }
    }

    /// A request to probe a target on the sender's behalf (memberlist `indirectPingReq`, type 1).
    public struct IndirectPing: Hashable, Sendable {
        /// Whether the requester wants a ``Nack`` if the target stays silent (peers of protocol ≥ 4).
        public var wantsNack: Bool
        /// The target's name.
        public var target: String
        /// The target's address.
        public var targetAddress: NodeAddress
        /// The requester's sequence number, echoed in the forwarded ack or the nack.
        public var sequenceNumber: UInt32
        /// Where the requester wants the answer.
        public var source: NodeAddress?
        /// The requester's name.
        public var sourceNode: String

        /// Creates an indirect ping request.
        public init(
            wantsNack: Bool, target: String, targetAddress: NodeAddress, sequenceNumber: UInt32,
            source: NodeAddress?, sourceNode: String
        ) {
            self.wantsNack = wantsNack
            self.target = target
            self.targetAddress = targetAddress
            self.sequenceNumber = sequenceNumber
            self.source = source
            self.sourceNode = sourceNode
        }
    }

    /// The answer to a ping (memberlist `ackResp`, type 2). Serf puts a network coordinate in the payload.
    public struct Ack: Hashable, Sendable {
        /// The probe's sequence number.
        public var sequenceNumber: UInt32
        /// Opaque bytes for the application (empty when none).
        public var payload: [UInt8]

        /// Creates an ack.
        public init(sequenceNumber: UInt32, payload: [UInt8] = []) {
            self.sequenceNumber = sequenceNumber
            self.payload = payload
        }
    }

    /// An indirect prober's report that the target did not answer (memberlist `nackResp`, type 11).
    public struct Nack: Hashable, Sendable {
        /// The requester's sequence number.
        public var sequenceNumber: UInt32

        /// Creates a nack.
        public init(sequenceNumber: UInt32) { self.sequenceNumber = sequenceNumber }
    }

    /// An accusation (memberlist `suspect`, type 3).
    public struct Suspect: Hashable, Sendable {
        /// The incarnation the accusation is about.
        public var incarnation: UInt32
        /// The accused node.
        public var node: String
        /// The accuser; independent accusers shorten the suspicion (Lifeguard).
        public var from: String

        /// Creates a suspect message.
        public init(incarnation: UInt32, node: String, from: String) {
            self.incarnation = incarnation
            self.node = node
            self.from = from
        }
    }

    /// A node announcing itself (memberlist `alive`, type 4): join, metadata update or refutation.
    public struct Alive: Hashable, Sendable {
        /// The announced incarnation; only a higher one overrides what a peer knows.
        public var incarnation: UInt32
        /// The node.
        public var node: String
        /// Its address.
        public var address: NodeAddress
        /// Its metadata. A decoded message's metadata is a slice of the packet it came in, so that reading an
        /// alive allocates nothing; ``Instance`` copies it when it keeps it (when the alive is news).
        public var metadata: ArraySlice<UInt8>
        /// Its versions.
        public var protocolVersions: ProtocolVersions

        /// Creates an alive message.
        public init(
            incarnation: UInt32, node: String, address: NodeAddress, metadata: ArraySlice<UInt8>,
            protocolVersions: ProtocolVersions
        ) {
            self.incarnation = incarnation
            self.node = node
            self.address = address
            self.metadata = metadata
            self.protocolVersions = protocolVersions
        }

        /// Creates an alive message.
        public init(
            incarnation: UInt32, node: String, address: NodeAddress, metadata: [UInt8],
            protocolVersions: ProtocolVersions
        ) {
            self.init(
                incarnation: incarnation, node: node, address: address, metadata: metadata[...],
                protocolVersions: protocolVersions)
        }
    }

    /// A death notice (memberlist `dead`, type 5); `from == node` means the node left gracefully.
    public struct Dead: Hashable, Sendable {
        /// The incarnation the notice is about.
        public var incarnation: UInt32
        /// The node.
        public var node: String
        /// Who declared it; the node itself for a graceful leave.
        public var from: String

        /// Creates a dead message.
        public init(incarnation: UInt32, node: String, from: String) {
            self.incarnation = incarnation
            self.node = node
            self.from = from
        }

        /// `true` when the node announced its own departure.
        public var isLeave: Bool { node == from }
    }

    /// One member in a full state exchange (memberlist `pushNodeState`).
    public struct NodeState: Hashable, Sendable {
        /// The member's name.
        public var name: String
        /// Its address.
        public var address: NodeAddress
        /// Its metadata.
        public var metadata: [UInt8]
        /// Its incarnation.
        public var incarnation: UInt32
        /// What the sender believes.
        public var status: Status
        /// Its versions.
        public var protocolVersions: ProtocolVersions

        /// Creates a node state.
        public init(
            name: String, address: NodeAddress, metadata: [UInt8], incarnation: UInt32, status: Status,
            protocolVersions: ProtocolVersions
        ) {
            self.name = name
            self.address = address
            self.metadata = metadata
            self.incarnation = incarnation
            self.status = status
            self.protocolVersions = protocolVersions
        }
    }

    /// A full state exchange over a stream (memberlist `pushPull`, type 6): every member the sender knows,
    /// plus opaque application state (Serf's clocks and recent events).
    public struct PushPull: Hashable, Sendable {
        /// `true` when the exchange is a join.
        public var join: Bool
        /// The sender's members, itself included.
        public var nodes: [NodeState]
        /// The application's state, sent after the members.
        public var userState: [UInt8]

        /// Creates a push-pull message.
        public init(join: Bool, nodes: [NodeState], userState: [UInt8] = []) {
            self.join = join
            self.nodes = nodes
            self.userState = userState
        }
    }

    /// A packet-level protocol message: what goes in one UDP datagram, alone or as a part of a compound.
    public enum Message: Hashable, Sendable {
        /// A direct probe.
        case ping(Ping)
        /// A request to probe on someone's behalf.
        case indirectPing(IndirectPing)
        /// A probe answer.
        case ack(Ack)
        /// A relay's report of silence.
        case nack(Nack)
        /// An accusation.
        case suspect(Suspect)
        /// An announcement of life.
        case alive(Alive)
        /// A death or leave notice.
        case dead(Dead)
        /// Opaque application bytes (Serf's messages), carried as memberlist `user` (type 8).
        case user([UInt8])
    }
}
