extension Dissemination {
    /// Who carries the update in a contact between a caller and the peer it calls.
    public enum Mode: String, Sendable, Hashable, CaseIterable, Codable {
        /// A caller that knows the update sends it to the peer it calls.
        case push
        /// A caller that lacks the update asks the peer it calls, which sends it if it knows it.
        case pull
        /// Both: every contact exchanges what either side knows.
        case pushPull = "push-pull"

        /// Whether an informed caller sends the update.
        @inlinable public var pushes: Bool { self != .pull }

        /// Whether an uninformed caller receives the update from an informed peer.
        @inlinable public var pulls: Bool { self != .push }
    }
}
