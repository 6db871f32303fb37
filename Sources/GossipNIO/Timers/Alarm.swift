import GossipCore
import NIOCore
import Synchronization

/// How the node's timer loop sleeps: until a deadline, on an event loop's scheduled task, or until
/// ``ring()`` wakes it sooner (a timer armed earlier than the one it sleeps for, or the node stopping). A ring
/// while nobody sleeps is kept for the next sleep.
final class Alarm: Sendable {
    private struct State {
        var sleeper: CheckedContinuation<Void, Never>?
        var scheduled: Scheduled<Void>?
        var rang = false
    }

    private let loop: any EventLoop
    private let state = Mutex(State())

    init(loop: any EventLoop) {
        self.loop = loop
    }

    /// Sleeps for `delay` at most.
    func sleep(for delay: Duration) async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let now = state.withLock { state -> Bool in
                if state.rang {
                    state.rang = false
                    return true
                }
                state.sleeper = continuation
                let nanoseconds = max(0, delay.nanoseconds)
                state.scheduled = loop.scheduleTask(in: .nanoseconds(nanoseconds)) { [weak self] in self?.ring() }
                return false
            }
            if now { continuation.resume() }
        }
    }

    /// Wakes the sleeper now (or the next one to sleep).
    func ring() {
        let sleeper = state.withLock { state -> CheckedContinuation<Void, Never>? in
            state.scheduled?.cancel()
            state.scheduled = nil
            guard let sleeper = state.sleeper else {
                state.rang = true
                return nil
            }
            state.sleeper = nil
            return sleeper
        }
        sleeper?.resume()
    }
}
