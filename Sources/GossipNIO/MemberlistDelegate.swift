import GossipCore

/// What an application running a plain memberlist member (``NodeConfiguration/plainMemberlist``) is told and
/// asked, as memberlist's `Delegate` is: the messages other members send it, and the state a push-pull carries.
/// The node calls these methods on its own actor, one at a time; they should return quickly.
///
/// ```swift
/// struct Inventory: MemberlistDelegate {
///     func notifyMessage(_ message: [UInt8], from sender: NodeAddress) { print("got", message.count, "bytes") }
/// }
/// var configuration = NodeConfiguration(name: "stock-1")
/// configuration.plainMemberlist = true
/// configuration.delegate = Inventory()
/// ```
public protocol MemberlistDelegate: Sendable {
    /// A `user` message from another member (memberlist's `NotifyMsg`): a broadcast or a direct message.
    func notifyMessage(_ message: [UInt8], from sender: NodeAddress)

    /// The state to send in a push-pull (memberlist's `LocalState`); `join` when the exchange is a join.
    /// Default: none.
    func localState(join: Bool) -> [UInt8]

    /// A peer's push-pull state (memberlist's `MergeRemoteState`); `join` when it answered this node's join.
    /// Default: ignored.
    func mergeRemoteState(_ state: [UInt8], join: Bool)
}

extension MemberlistDelegate {
    /// No state.
    public func localState(join: Bool) -> [UInt8] { [] }

    /// Ignores the peer's state.
    public func mergeRemoteState(_ state: [UInt8], join: Bool) {}
}
