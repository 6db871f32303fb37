import GossipCore
import MemberlistWire
import SWIM

extension Serf {
    /// Something Serf's layer asks of what it runs on: the membership layer below it (broadcast, force-leave),
    /// the network, the clock, and the application above it.
    public enum Effect: Sendable {
        /// Queue `payload` (an encoded Serf message) for gossip; a newer broadcast with the same `key` replaces
        /// it.
        case broadcast([UInt8], key: String)
        /// Send `payload` (an encoded Serf message) in one datagram to `address`; `destination` names the member
        /// when it is known.
        case send([UInt8], to: NodeAddress, destination: String?)
        /// Call ``Layer/fire(_:membership:at:using:)`` with `timer` at `instant`.
        case arm(Timer, at: Instant)
        /// A membership change as Serf lists it (failed and left members stay until reaped, then `removed`).
        case member(SWIM.MembershipEvent)
        /// Deliver a user event to the application, once.
        case userEvent(SerfMessage.UserEvent)
        /// A user query this node passes the filters of: the application may answer it with
        /// ``Layer/respond(toQuery:id:payload:membership:using:)``.
        case query(SerfMessage.Query)
        /// An answer to the query `id` this node asked.
        case queryAnswer(id: UInt32, QueryAnswer)
        /// The query `id` timed out: no more answers.
        case queryFinished(id: UInt32)
        /// The key operation asked as query `id` is over, with what the members answered.
        case keyOperationFinished(id: UInt32, KeyOperationResult)
        /// A key query changed the keyring: traffic is sealed and opened with this one from now on.
        case keyringChanged(Keyring)
        /// The membership layer is to mark `name` left (a leave intent about a failed member: a force-leave).
        case forceLeave(String)
        /// Lines to append to the snapshot file.
        case snapshot([String])
        /// Write what was appended to the snapshot file to disk.
        case flushSnapshot
        /// Another node holds this node's name with the cluster's majority: this node is to stop.
        case nameConflictLost
    }

    /// One answer to a query a node asked.
    public enum QueryAnswer: Sendable, Hashable {
        /// `from` received the query (when acks were requested).
        case ack(from: String)
        /// `from` answered with `payload`.
        case response(from: String, payload: [UInt8])
    }
}
