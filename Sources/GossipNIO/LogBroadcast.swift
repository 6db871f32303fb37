import Foundation
import Logging
import Synchronization

/// The agent's log as a feed, for `monitor` on the control endpoint (`gossip monitor`, `serf monitor`): install
/// ``handler(label:)`` beside the usual log handler (with swift-log's `MultiplexLogHandler`) and hand the
/// broadcast to the node (``NodeConfiguration/logBroadcast``); each monitor gets the lines at or above the level
/// it asks for, in Serf's shape (`[INFO] label: message key=value`).
public final class LogBroadcast: Sendable {
    private struct Listener {
        var level: Logger.Level
        var continuation: AsyncStream<String>.Continuation
    }

    private let listeners = Mutex<[UInt64: Listener]>([:])
    private let nextKey = Mutex<UInt64>(0)

    /// A broadcast nobody listens to yet.
    public init() {}

    /// A log handler that writes to this broadcast.
    public func handler(label: String) -> any LogHandler { Handler(label: label, broadcast: self) }

    /// Lines at or above `level` from now on; ends when the listener stops iterating.
    public func subscribe(level: Logger.Level) -> AsyncStream<String> {
        let (stream, continuation) = AsyncStream.makeStream(of: String.self, bufferingPolicy: .bufferingNewest(1024))
        let key = nextKey.withLock {
            $0 += 1
            return $0
        }
        listeners.withLock { $0[key] = Listener(level: level, continuation: continuation) }
        continuation.onTermination = { [weak self] _ in _ = self?.listeners.withLock { $0.removeValue(forKey: key) } }
        return stream
    }

    func publish(_ line: @autoclosure () -> String, level: Logger.Level) {
        let wanted = listeners.withLock { $0.values.filter { level >= $0.level } }
        guard !wanted.isEmpty else { return }
        let text = line()
        for listener in wanted { listener.continuation.yield(text) }
    }

    /// Serf's level names (`TRACE`, `DEBUG`, `INFO`, `WARN`, `ERR`) and swift-log's, to a level; `nil` if
    /// neither.
    public static func level(named name: String) -> Logger.Level? {
        switch name.uppercased() {
        case "TRACE": return .trace
        case "DEBUG": return .debug
        case "INFO": return .info
        case "NOTICE": return .notice
        case "WARN", "WARNING": return .warning
        case "ERR", "ERROR": return .error
        case "CRITICAL": return .critical
        default: return nil
        }
    }

    private struct Handler: LogHandler {
        let label: String
        let broadcast: LogBroadcast
        var metadata: Logger.Metadata = [:]
        var logLevel: Logger.Level = .trace

        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }

        func log(event: LogEvent) {
            broadcast.publish(
                {
                    let all = metadata.merging(event.metadata ?? [:]) { $1 }
                    let pairs = all.sorted { $0.key < $1.key }.map { " \($0.key)=\($0.value)" }.joined()
                    return "[\(LogBroadcast.serfName(event.level))] \(label): \(event.message)\(pairs)"
                }(), level: event.level)
        }
    }

    static func serfName(_ level: Logger.Level) -> String {
        switch level {
        case .trace: return "TRACE"
        case .debug: return "DEBUG"
        case .info, .notice: return "INFO"
        case .warning: return "WARN"
        case .error, .critical: return "ERR"
        }
    }
}
