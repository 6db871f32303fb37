import Foundation

/// Runs CPU-bound or blocking work on a thread of its own and awaits its result, so that a long computation in a
/// test does not occupy one of the few threads of Swift's cooperative pool, which every actor and async test of
/// the run shares (on a two-core machine there are two).
public func onDedicatedThread<T: Sendable>(_ body: @escaping @Sendable () -> T) async -> T {
    await withCheckedContinuation { continuation in
        Thread { continuation.resume(returning: body()) }.start()
    }
}
