import Foundation

/// Runs CPU-bound or blocking work on a thread of its own and awaits its result, so that a long computation in a
/// test does not occupy one of the few threads of Swift's cooperative pool, which every actor and async test of
/// the run shares (on a two-core machine there are two).
public func onDedicatedThread<T: Sendable>(_ body: @escaping @Sendable () -> T) async -> T {
    await withCheckedContinuation { continuation in
        Thread { continuation.resume(returning: body()) }.start()
    }
}

/// Runs CPU-bound work on a thread of its own, one such computation at a time in the whole test process, and
/// awaits its result. Simulations and scenario runs started together would otherwise share the machine's cores
/// with the tests that time real sockets, and starve their timers; run one by one, they leave those tests a core.
public func onComputeThread<T: Sendable>(_ body: @escaping @Sendable () -> T) async -> T {
    await onDedicatedThread {
        computeLock.lock()
        defer { computeLock.unlock() }
        return body()
    }
}

/// Held by the computation that ``onComputeThread(_:)`` is running.
private let computeLock = NSLock()
