import MemberlistWire

/// Serf 0.9.4's messages (spec §3.2), carried in memberlist `user` messages: one type byte, then one
/// MessagePack map with the Go struct's fields in byte-wise sorted order.
public enum SerfMessage: Sendable, Hashable {
    /// A node announces it is leaving (or, with ``LeaveIntent/prune``, a force-leave erases it).
    case leave(LeaveIntent)
    /// A node announces it joined.
    case join(JoinIntent)
    /// Serf's state in a memberlist push-pull: clocks, recent events, left members.
    case pushPull(PushPullState)
    /// A user event.
    case userEvent(UserEvent)
    /// A query.
    case query(Query)
    /// An ack or a response to a query.
    case queryResponse(QueryResponse)
    /// A node's view of a contested member (the payload of a `_serf_conflict` response).
    case conflictResponse(Member)
    /// The payload of a key-management query.
    case keyRequest(KeyRequest)
    /// The payload of a key-management response.
    case keyResponse(KeyResponse)
    /// A query response to forward to `destination` (RelayFactor).
    case relay(Relay)

    /// Serf's message type codes.
    public enum MessageType: UInt8, Sendable, Hashable, CaseIterable {
        /// A leave intent.
        case leave = 0
        /// A join intent.
        case join = 1
        /// Serf's push-pull state.
        case pushPull = 2
        /// A user event.
        case userEvent = 3
        /// A query.
        case query = 4
        /// A query ack or response.
        case queryResponse = 5
        /// A name-conflict answer.
        case conflictResponse = 6
        /// A key-management request.
        case keyRequest = 7
        /// A key-management response.
        case keyResponse = 8
        /// A relayed query response.
        case relay = 9
    }

    /// The message's type code.
    public var type: MessageType {
        switch self {
        case .leave: return .leave
        case .join: return .join
        case .pushPull: return .pushPull
        case .userEvent: return .userEvent
        case .query: return .query
        case .queryResponse: return .queryResponse
        case .conflictResponse: return .conflictResponse
        case .keyRequest: return .keyRequest
        case .keyResponse: return .keyResponse
        case .relay: return .relay
        }
    }

    /// `{LTime, Node, Prune}`.
    public struct LeaveIntent: Sendable, Hashable {
        /// The member Lamport time.
        public var lamportTime: UInt64
        /// The leaving node.
        public var node: String
        /// Erase the node from the member list at once (force-leave with prune).
        public var prune: Bool
        /// Creates a leave intent.
        public init(lamportTime: UInt64, node: String, prune: Bool = false) {
            self.lamportTime = lamportTime
            self.node = node
            self.prune = prune
        }
    }

    /// `{LTime, Node}`.
    public struct JoinIntent: Sendable, Hashable {
        /// The member Lamport time.
        public var lamportTime: UInt64
        /// The joining node.
        public var node: String
        /// Creates a join intent.
        public init(lamportTime: UInt64, node: String) {
            self.lamportTime = lamportTime
            self.node = node
        }
    }

    /// One event in a push-pull's recent-event buffer: `{Name, Payload}`.
    public struct EventRecord: Sendable, Hashable {
        /// The event name.
        public var name: String
        /// Its payload.
        public var payload: [UInt8]
        /// Creates an event record.
        public init(name: String, payload: [UInt8]) {
            self.name = name
            self.payload = payload
        }
    }

    /// The events of one Lamport time: `{Events, LTime}`.
    public struct EventsAtTime: Sendable, Hashable {
        /// The event Lamport time.
        public var lamportTime: UInt64
        /// The events seen at that time.
        public var events: [EventRecord]
        /// Creates the slot.
        public init(lamportTime: UInt64, events: [EventRecord]) {
            self.lamportTime = lamportTime
            self.events = events
        }
    }

    /// `{EventLTime, Events, LTime, LeftMembers, QueryLTime, StatusLTimes}`.
    public struct PushPullState: Sendable, Hashable {
        /// The event clock.
        public var eventLamportTime: UInt64
        /// The recent-event ring (512 slots in Serf; empty slots are `nil`).
        public var events: [EventsAtTime?]
        /// The member clock.
        public var lamportTime: UInt64
        /// Members that left.
        public var leftMembers: [String]
        /// The query clock.
        public var queryLamportTime: UInt64
        /// The member Lamport time of each member's last intent (written in name order; Go's order is random).
        public var statusLamportTimes: [String: UInt64]
        /// Creates the state.
        public init(
            eventLamportTime: UInt64, events: [EventsAtTime?], lamportTime: UInt64, leftMembers: [String],
            queryLamportTime: UInt64, statusLamportTimes: [String: UInt64]
        ) {
            self.eventLamportTime = eventLamportTime
            self.events = events
            self.lamportTime = lamportTime
            self.leftMembers = leftMembers
            self.queryLamportTime = queryLamportTime
            self.statusLamportTimes = statusLamportTimes
        }
    }

    /// `{CC, LTime, Name, Payload}`.
    public struct UserEvent: Sendable, Hashable {
        /// The event Lamport time.
        public var lamportTime: UInt64
        /// The event name.
        public var name: String
        /// Its payload.
        public var payload: [UInt8]
        /// Whether events of this name may be coalesced.
        public var coalesce: Bool
        /// Creates a user event.
        public init(lamportTime: UInt64, name: String, payload: [UInt8], coalesce: Bool) {
            self.lamportTime = lamportTime
            self.name = name
            self.payload = payload
            self.coalesce = coalesce
        }
    }

    /// `{Addr, Filters, Flags, ID, LTime, Name, Payload, Port, RelayFactor, SourceNode, Timeout}`.
    public struct Query: Sendable, Hashable {
        /// Flag: the asker wants acks.
        public static let ackFlag: UInt32 = 1
        /// Flag: receivers do not rebroadcast.
        public static let noBroadcastFlag: UInt32 = 2

        /// The asker's IP address bytes.
        public var address: [UInt8]
        /// Filters: `00`+names or `01`+{Expr, Tag}, each as raw bytes.
        public var filters: [[UInt8]]
        /// ``ackFlag`` and ``noBroadcastFlag``.
        public var flags: UInt32
        /// A random identifier.
        public var id: UInt32
        /// The query Lamport time.
        public var lamportTime: UInt64
        /// The query name.
        public var name: String
        /// Its payload.
        public var payload: [UInt8]
        /// The asker's port.
        public var port: UInt16
        /// How many relays each response goes through as well.
        public var relayFactor: UInt8
        /// The asker's name.
        public var sourceNode: String
        /// How long the asker waits, in nanoseconds.
        public var timeoutNanoseconds: Int64
        /// Creates a query.
        public init(
            address: [UInt8], filters: [[UInt8]], flags: UInt32, id: UInt32, lamportTime: UInt64, name: String,
            payload: [UInt8], port: UInt16, relayFactor: UInt8, sourceNode: String, timeoutNanoseconds: Int64
        ) {
            self.address = address
            self.filters = filters
            self.flags = flags
            self.id = id
            self.lamportTime = lamportTime
            self.name = name
            self.payload = payload
            self.port = port
            self.relayFactor = relayFactor
            self.sourceNode = sourceNode
            self.timeoutNanoseconds = timeoutNanoseconds
        }
    }

    /// `{Flags, From, ID, LTime, Payload}`.
    public struct QueryResponse: Sendable, Hashable {
        /// Flag: this response is an ack.
        public static let ackFlag: UInt32 = 1
        /// ``ackFlag`` or 0.
        public var flags: UInt32
        /// The responder.
        public var from: String
        /// The query's identifier.
        public var id: UInt32
        /// The query's Lamport time.
        public var lamportTime: UInt64
        /// The answer (empty for an ack).
        public var payload: [UInt8]
        /// Creates a response.
        public init(flags: UInt32, from: String, id: UInt32, lamportTime: UInt64, payload: [UInt8]) {
            self.flags = flags
            self.from = from
            self.id = id
            self.lamportTime = lamportTime
            self.payload = payload
        }
    }

    /// A Serf member as Serf encodes it: `{Addr, DelegateCur, DelegateMax, DelegateMin, Name, Port, ProtocolCur,
    /// ProtocolMax, ProtocolMin, Status, Tags}`.
    public struct Member: Sendable, Hashable {
        /// IP address bytes.
        public var address: [UInt8]
        /// The six version numbers, in memberlist's `Vsn` order.
        public var versions: [UInt8]
        /// The node name.
        public var name: String
        /// Its port.
        public var port: UInt16
        /// Serf's status code (0 none, 1 alive, 2 leaving, 3 left, 4 failed).
        public var status: Int64
        /// Its tags.
        public var tags: [String: String]
        /// Creates a member.
        public init(
            address: [UInt8], versions: [UInt8], name: String, port: UInt16, status: Int64, tags: [String: String]
        ) {
            self.address = address
            self.versions = versions
            self.name = name
            self.port = port
            self.status = status
            self.tags = tags
        }
    }

    /// `{Key}`.
    public struct KeyRequest: Sendable, Hashable {
        /// The key (empty to list keys).
        public var key: [UInt8]
        /// Creates a key request.
        public init(key: [UInt8]) { self.key = key }
    }

    /// `{Keys, Message, PrimaryKey, Result}`.
    public struct KeyResponse: Sendable, Hashable {
        /// Installed keys, base64.
        public var keys: [String]
        /// An error message, if any.
        public var message: String
        /// The primary key, base64.
        public var primaryKey: String
        /// Whether the operation succeeded.
        public var result: Bool
        /// Creates a key response.
        public init(keys: [String], message: String, primaryKey: String, result: Bool) {
            self.keys = keys
            self.message = message
            self.primaryKey = primaryKey
            self.result = result
        }
    }

    /// `09` · {DestAddr: {IP, Port, Zone}, DestName} · a complete Serf message (a query response).
    public struct Relay: Sendable, Hashable {
        /// Where to forward: IP address bytes.
        public var destinationIP: [UInt8]
        /// Where to forward: port.
        public var destinationPort: UInt16
        /// The IPv6 zone, usually empty.
        public var destinationZone: String
        /// The destination's name.
        public var destinationName: String
        /// The message to forward verbatim, its Serf type byte first.
        public var message: [UInt8]
        /// Creates a relay.
        public init(
            destinationIP: [UInt8], destinationPort: UInt16, destinationZone: String = "", destinationName: String,
            message: [UInt8]
        ) {
            self.destinationIP = destinationIP
            self.destinationPort = destinationPort
            self.destinationZone = destinationZone
            self.destinationName = destinationName
            self.message = message
        }
    }
}
