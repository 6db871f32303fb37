import GossipCore

extension Replication.Store {
    /// Something the store asks its shell to do.
    public enum Effect: Sendable {
        /// Make `entries` durable (append them to the log and sync it), then report with
        /// ``Replication/Store/persisted(batch:failure:at:using:)``. Batches are made durable in the order they
        /// are asked for.
        case persist([Replication.KeyedEntry], batch: UInt64)
        /// Send this replication payload (a rumor or an aggregation share) to `peer` in one datagram.
        case send([UInt8], to: Peer)
        /// Open a stream to `peer`, send this anti-entropy request and hand the reply's payload to
        /// ``Replication/Store/exchangeAnswered(session:reply:at:using:)`` (`nil` when no answer came in time).
        case exchange([UInt8], with: Peer, session: UInt64)
        /// Open a stream to `peer` and send this request (an update too large for a datagram); the answer does
        /// not matter.
        case push([UInt8], to: Peer)
        /// Broadcast this rumor (a replication payload) to every replica over the node's broadcast tree
        /// (``Configuration/rumorsOverBroadcast``); each replica hands it to
        /// ``Replication/Store/receive(_:from:at:using:)``.
        case broadcast([UInt8])
        /// Call ``Replication/Store/fire(_:at:using:)`` with `timer` at `instant`.
        case arm(Timer, at: Instant)
        /// Entries became durable and visible: changes for the store's watchers (counters by name, with their
        /// new total; internal keys left out).
        case changed([Replication.KeyValueChange])
        /// The local write `write` is durable (with its timestamp and, for an increment, the counter's new
        /// value), or was refused.
        case acknowledged(write: UInt64, Result<Acknowledgement, Replication.StoreError>)
        /// The anti-entropy exchange `session` with `peer` is over; on success what it fetched is durable.
        case synchronized(
            session: UInt64, peer: Peer, Result<Replication.AntiEntropyInitiator.Outcome, Replication.StoreError>)
        /// An alert rule started (`firing`) or stopped holding at the end of an aggregation epoch.
        case alert(Replication.AlertRule, firing: Bool, quantity: Double?)
        /// Tombstones past the horizon were dropped: the shell may compact its log now if it is much larger than
        /// `liveBytes` (the records a compaction would write; ``Replication/Store/durableImage`` lists them).
        case maintained(liveBytes: Int, tombstonesDropped: Int)
    }

    /// A local write made durable.
    public struct Acknowledgement: Sendable, Hashable {
        /// The write's timestamp: conflicting writes resolve by it, the largest winning everywhere.
        public var timestamp: Replication.Timestamp
        /// For an increment, the counter's value once it was applied.
        public var counter: Int64?
    }

    /// The store's rounds.
    public enum Timer: Hashable, Sendable {
        /// Rumors of recent updates to a few random peers.
        case rumorRound
        /// An anti-entropy exchange with a random peer.
        case antiEntropy
        /// Expired tombstones dropped; the log's compaction offered.
        case maintenance
        /// One push-sum round of every aggregate.
        case aggregationRound
    }

    /// Entries waiting to be durable, and what to do once they are.
    struct Batch: Sendable {
        var entries: [Replication.KeyedEntry]
        var origin: Replication.KeyValueChange.Origin
        /// The local write to acknowledge, and the counter it increments.
        var write: (id: UInt64, counter: String?)?
        /// The anti-entropy exchange whose fetched entries these are.
        var session: UInt64?
    }

    /// An anti-entropy exchange this store started.
    struct Session: Sendable {
        var peer: Peer
        var initiator: Replication.AntiEntropyInitiator
        /// What the exchange found, once it is over; it ends when the fetched entries are durable.
        var outcome: Replication.AntiEntropyInitiator.Outcome?
    }
}
