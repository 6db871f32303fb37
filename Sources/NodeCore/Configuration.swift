import Broadcast
import MemberlistWire
import Replication
import SWIM
import Serf

extension NodeCore {
    /// What a node core runs with.
    public struct Configuration: Sendable {
        /// Timing and limits of the membership protocol. Default: memberlist's LAN profile.
        public var settings: SWIM.Settings = .lan
        /// Serf's layer; `nil` makes the node a plain memberlist member (its metadata is ``metadata``, and it
        /// advertises delegate protocol version 0, as memberlist does without a delegate). Default: Serf's layer
        /// with its defaults.
        public var serf: Serf.Configuration? = Serf.Configuration()
        /// The replicated key-value store and the aggregates (it needs Serf's layer: replicating members find each
        /// other by a tag); `nil` for a node that does not replicate. Default: `nil`.
        public var store: Replication.Store.Configuration?
        /// The broadcast tree that carries user events (up to ``TreeConfiguration/userEventSizeLimit`` bytes) and
        /// the store's rumors among the swift-gossip members (it needs Serf's layer: they find each other by a
        /// tag); `nil` for Serf's own gossip only. Default: `nil`.
        public var broadcastTree: TreeConfiguration?
        /// The metadata of a plain memberlist member (with Serf's layer the tags are the metadata). Default: none.
        public var metadata: [UInt8] = []
        /// How long a graceful leave waits for its announcement to go out before the node stops anyway (Serf's
        /// BroadcastTimeout). Default: 5 s.
        public var leaveTimeout: Duration = .seconds(5)
        /// How long a node lingers after its leave was announced, so peers hear it (Serf's LeavePropagateDelay).
        /// Default: 1 s.
        public var leavePropagationDelay: Duration = .seconds(1)

        /// The defaults.
        public init() {}
    }

    /// Why a node core stopped.
    public enum StopReason: Sendable, Hashable {
        /// It left gracefully, and its leave had time to spread.
        case left
        /// Another node holds its name with the cluster's majority.
        case lostNameConflict
    }

    /// A deadline a node core asks its shell to keep: at the instant given with it, the shell calls
    /// ``NodeCore/fire(_:at:using:)``.
    public enum Timer: Hashable, Sendable {
        /// The membership protocol's.
        case membership(SWIM.Timer)
        /// Serf's layer's.
        case serf(Serf.Timer)
        /// The replicated store's.
        case store(Replication.Store.Timer)
        /// The broadcast tree's.
        case tree(Broadcast.BroadcastNode<String>.Timer)
        /// The next step of a graceful leave.
        case leave(LeaveStep)
    }

    /// The steps of a graceful leave.
    public enum LeaveStep: Hashable, Sendable {
        /// Serf's leave intents had their gossip interval: memberlist's leave (a `dead` about itself) goes out.
        case announce
        /// The announcement did not go out in time: stop anyway.
        case timeout
        /// The lingering after the announcement is over: stop.
        case linger
    }
}
