import GossipCore
import MemberlistWire
import SWIM

/// What a ``GossipNode`` needs to run: its name, where it listens, how it is reached, and the protocol settings.
public struct NodeConfiguration: Sendable {
    /// The unique node name. Default: none; it must be set.
    public var name: String
    /// Where the UDP and TCP listeners bind (one port for both). Port 0 picks a free port. Default:
    /// `127.0.0.1:7946`.
    public var bindAddress: NodeAddress = NodeAddress(ip: .loopbackV4, port: 7946)
    /// The address peers are told to use, when it differs from the bind address (NAT, containers). Default:
    /// `nil`, the bound address.
    public var advertiseAddress: NodeAddress?
    /// Timing and limits; the memberlist LAN profile by default.
    public var settings: SWIM.Settings = .lan
    /// Serf tags, sent as the node's metadata (`ff` + MessagePack map) so that Serf agents show them.
    public var tags: [String: String] = [:]
    /// Encrypts all traffic when set; every member of the cluster needs one of its keys. Default: `nil`.
    public var keyring: Keyring?
    /// LZW-compresses outgoing packets when that makes them smaller and always on streams, as memberlist does by
    /// default. Default: `true`.
    public var compression = true
    /// How long a graceful leave waits for its announcement to go out before the node stops anyway (Serf's
    /// BroadcastTimeout). Default: 5 s.
    public var leaveTimeout: Duration = .seconds(5)
    /// How long a node lingers after its leave was announced, so peers hear it (Serf's LeavePropagateDelay).
    /// Default: 1 s.
    public var leavePropagationDelay: Duration = .seconds(1)
    /// How long Serf's member list keeps a failed member (after which it is reaped). Default: 24 hours.
    public var reconnectTimeout: Duration = .seconds(24 * 3600)
    /// How long Serf's member list keeps a member that left. Default: 24 hours.
    public var tombstoneTimeout: Duration = .seconds(24 * 3600)
    /// How often failed and left members past their timeouts are reaped (Serf's ReapInterval). Default: 15 s.
    public var reapInterval: Duration = .seconds(15)
    /// Coalescing of user events sent with the coalesce flag: within a window only the newest event of each
    /// name is delivered to subscribers (event handlers, streams). Default: `nil`, off (Serf's library default;
    /// `gossip agent` turns it on with Serf's agent values, 3 s and 1 s of quiet).
    public var userEventCoalescing: (period: Duration, quiescentPeriod: Duration)?
    /// The agent's log as a feed, served to `monitor` on the control endpoint. Default: `nil`: monitors get the
    /// member events only.
    public var logBroadcast: LogBroadcast?
    /// Serf's snapshot file (`-snapshot`): members and Lamport clocks recorded as they change, so that a restarted
    /// node rejoins its previous members without being told whom to join and does not deliver old events again.
    /// Default: `nil`, none.
    public var snapshotPath: String?
    /// Rejoin the previous members from the snapshot even after a graceful leave (Serf's `-rejoin`). Default:
    /// `false`.
    public var rejoinAfterLeave = false
    /// The replicated key-value store and aggregates, shared with the other swift-gossip nodes. Default: `nil`,
    /// a plain member. When set, the node carries the tag `ReplicationConfiguration.capabilityTag`, which is
    /// how its peers know to replicate with it.
    public var replication: ReplicationConfiguration?
    /// The broadcast tree (Plumtree on a HyParView overlay) that carries user events of up to 64 KiB, and the
    /// store's rumors, among the swift-gossip members that run one (they find each other by the
    /// `swift-gossip` tag; Serf agents still get events that fit Serf's limit Serf's way). Default: `nil`,
    /// Serf's gossip only.
    public var broadcastTree: BroadcastTreeConfiguration?

    /// Runs a plain memberlist member, without Serf's layer: it advertises delegate protocol version 0 (as a
    /// memberlist node without a delegate does), so that Go services embedding memberlist directly accept it.
    /// Its metadata is ``metadata``; messages and push-pull state go to ``delegate``. User events, queries, tags,
    /// key queries and the replicated store need Serf's layer and are unavailable. Default: `false`.
    public var plainMemberlist = false
    /// Keep no network coordinates and send none in acks (Serf's `DisableCoordinates`). Default: `false`: the
    /// node computes its Vivaldi coordinate from its probes, as Serf does, so that `serf rtt` works against it.
    public var disableCoordinates = false
    /// A plain memberlist member's metadata (memberlist's `NodeMeta`), at most 512 bytes. Default: none.
    public var metadata: [UInt8] = []
    /// What a plain memberlist member tells and asks its application (memberlist's `Delegate`). Default: `nil`.
    public var delegate: (any MemberlistDelegate)?

    /// A configuration for the node called `name`, with every other field at its default.
    public init(name: String) {
        self.name = name
    }
}
