import GossipCore
import MemberlistWire
import Replication
import SWIM
import Serf

extension NodeCore {
    /// Something a node core asks its shell to do: the network, the clock, the disk, the application.
    public enum Effect: Sendable {
        /// Send one UDP datagram to `address`: the first message alone, or all of them as a compound.
        /// `destination` names the receiving member when it is known (memberlist adds a CRC only then).
        case send([SWIM.Message], to: NodeAddress, destination: String?)
        /// Open a stream to `address`, send `state` (its user state filled in), read the peer's state back and
        /// hand it to ``NodeCore/pushPullCompleted(_:from:at:using:)`` (`nil` when the exchange failed).
        case pushPull(SWIM.PushPull, to: NodeAddress)
        /// Send `ping` over a stream to `address` and report the outcome to
        /// ``NodeCore/streamPingCompleted(sequenceNumber:acknowledged:at:using:)`` no later than `deadline`.
        case streamPing(SWIM.Ping, to: NodeAddress, deadline: Instant)
        /// Open a stream to `address` and send this `user` message on it (a broadcast-tree message too large for
        /// a datagram); no answer comes.
        case sendOverStream([UInt8], to: NodeAddress)
        /// Call ``NodeCore/fire(_:at:using:)`` with `timer` at `instant`.
        case arm(Timer, at: Instant)
        /// A membership change, as Serf lists members when Serf's layer runs (failed and left members stay until
        /// reaped), as memberlist reports them otherwise.
        case event(SWIM.MembershipEvent)
        /// A user event, delivered once.
        case userEvent(SerfMessage.UserEvent)
        /// A user query this node passes the filters of; answer it with
        /// ``NodeCore/respond(toQuery:id:payload:at:using:)``.
        case query(SerfMessage.Query)
        /// An answer to the query `id` this node asked.
        case queryAnswer(id: UInt32, Serf.QueryAnswer)
        /// The query `id` timed out: no more answers.
        case queryFinished(id: UInt32)
        /// The key operation asked as query `id` is over.
        case keyOperationFinished(id: UInt32, Serf.KeyOperationResult)
        /// Traffic is sealed and opened with this keyring from now on.
        case keyringChanged(Keyring)
        /// Lines to append to Serf's snapshot file.
        case snapshot([String])
        /// Write the snapshot file to disk.
        case flushSnapshot
        /// What the replicated store asks beyond sending datagrams and arming timers (which the core turns into
        /// ``send(_:to:destination:)`` and ``arm(_:at:)``): making batches durable, anti-entropy streams,
        /// acknowledgements, watchers' changes, alerts, the log's maintenance.
        case store(Replication.Store.Effect)
        /// The application's message (plain memberlist mode: memberlist's `NotifyMsg`).
        case userMessage([UInt8], from: NodeAddress)
        /// A peer's push-pull user state (plain memberlist mode: memberlist's `MergeRemoteState`); `joining` when
        /// it answered this node's join.
        case remoteState([UInt8], joining: Bool)
        /// The node has stopped: the shell closes its sockets.
        case stop(StopReason)
    }
}
