import NIOCore
import Synchronization

/// The records one control-endpoint connection's feeds (`stream`, `monitor`, `kv-watch`, `query` answers) have
/// written and the client has not taken yet, bounded in bytes.
///
/// A client that stops reading must not make the agent hold what it was sent: as Serf's agent does for its IPC
/// streams, a record that would take the connection over ``maximumPendingBytes`` is dropped and counted
/// (``FeedStatistics``) instead of queued. A record is pending from its write until the socket has taken it.
final class RPCFeedOutbox: Sendable {
    /// The most bytes of records that wait for one connection's client (256 KiB, a few hundred events or four of
    /// the largest values); one record larger than that is still sent when nothing else waits.
    static let maximumPendingBytes = 256 << 10

    private let channel: any Channel
    private let pending = Mutex<Int>(0)
    private let statistics: FeedStatistics

    init(channel: any Channel, statistics: FeedStatistics) {
        self.channel = channel
        self.statistics = statistics
    }

    private func release(_ count: Int) { pending.withLock { $0 -= count } }

    /// Writes `reply` unless the connection already holds ``maximumPendingBytes``; returns whether it was written.
    @discardableResult
    func send(_ reply: RPCReply) -> Bool {
        let bytes = reply.encoded()
        let admitted: Int? = pending.withLock { pending in
            guard pending == 0 || pending + bytes.count <= Self.maximumPendingBytes else { return nil }
            pending += bytes.count
            return pending
        }
        guard let admitted else {
            statistics.recordDrop()
            return false
        }
        statistics.recordPending(admitted)
        let promise = channel.eventLoop.makePromise(of: Void.self)
        promise.futureResult.whenComplete { _ in self.release(bytes.count) }
        channel.writeAndFlush(ByteBuffer(bytes: bytes), promise: promise)
        return true
    }
}

/// What the control endpoint's and the HTTP API's feeds dropped and held, across all connections, and how many
/// HTTP event streams are open.
public final class FeedStatistics: Sendable {
    private struct Counts {
        var dropped = 0
        var peakPendingBytes = 0
        var httpStreams = 0
    }
    private let counts = Mutex(Counts())

    /// Creates zeroed counters.
    public init() {}

    /// Records dropped because their client did not read them in time.
    public var dropped: Int { counts.withLock { $0.dropped } }

    /// The most bytes one connection has held for its client at once.
    public var peakPendingBytes: Int { counts.withLock { $0.peakPendingBytes } }

    /// HTTP server-sent-event streams (`/v1/stream`, `/v1/kv-watch`) open now.
    public var httpStreams: Int { counts.withLock { $0.httpStreams } }

    /// Counts an HTTP stream opened (`+1`) or closed (`-1`).
    func recordHTTPStream(_ change: Int) { counts.withLock { $0.httpStreams += change } }

    /// Counts a record dropped before it reached a connection's outbox.
    func recordDrop() { counts.withLock { $0.dropped += 1 } }

    func recordPending(_ bytes: Int) { counts.withLock { $0.peakPendingBytes = max($0.peakPendingBytes, bytes) } }
}
