extension Serf {
    /// A deadline Serf's layer asks its shell to keep: at the instant given with it, the shell calls
    /// ``Layer/fire(_:membership:at:using:)``.
    public enum Timer: Hashable, Sendable {
        /// Reap failed and left members past their timeouts; forget stale intents.
        case reap
        /// Record the clocks if they moved, and flush the snapshot.
        case snapshotFlush
        /// A coalescing window may have closed.
        case coalescingWindow
        /// A query this node asked times out: its answers end.
        case queryDeadline(id: UInt32)
        /// A query this node received can no longer be answered.
        case responseWindow(lamportTime: UInt64, id: UInt32)
    }
}
