import GossipCore
import Synchronization

/// Admits the TCP streams peers open to this node (push-pull, anti-entropy, stream pings): at most
/// ``Limits/concurrent`` at once, and from each source address at most ``Limits/burstPerSource`` at once and
/// ``Limits/ratePerSource`` a second after that. A refused stream is closed before it is read, and counted.
///
/// memberlist 0.3 caps concurrent push-pulls at 128 after a 10,000-node Consul cluster held 3,000 at once in 7 GB;
/// the per-source bucket keeps one misbehaving peer from taking all of them.
final class InboundStreamGate: Sendable {
    /// The gate's limits, with their defaults.
    struct Limits: Sendable {
        /// Streams being read or answered at once (memberlist's `maxPushPulls`): 128.
        var concurrent = 128
        /// Streams one source address may open in a burst: 256, enough for a whole test cluster on one loopback
        /// address to join one seed at once.
        var burstPerSource = 256.0
        /// Streams a second one source address may open after its burst: 64.
        var ratePerSource = 64.0
        /// Source addresses remembered at once; idle ones (a full bucket) are forgotten first.
        var trackedSources = 4096
    }

    /// Why a stream was refused.
    enum Refusal: Sendable {
        /// ``Limits/concurrent`` streams were already open.
        case busy
        /// Its source had used up its burst and rate.
        case rateLimited
    }

    private struct State {
        var open = 0
        var buckets: [IPAddress: TokenBucket] = [:]
        var refusedBusy = 0
        var refusedRateLimited = 0
    }

    let limits: Limits
    private let state = Mutex(State())
    private let clock = ContinuousClock()
    private let origin = ContinuousClock.now

    init(limits: Limits = Limits()) {
        self.limits = limits
    }

    /// Streams refused because too many were open, and because their source was over its rate.
    var refusals: (busy: Int, rateLimited: Int) { state.withLock { ($0.refusedBusy, $0.refusedRateLimited) } }

    /// Admits a stream from `source`, or says why not. An admitted stream must be ``release()``d when it closes.
    func admit(from source: IPAddress) -> Refusal? {
        let now = Instant(nanoseconds: (clock.now - origin).nanoseconds)
        let limits = self.limits
        return state.withLock { state in
            guard state.open < limits.concurrent else {
                state.refusedBusy += 1
                return .busy
            }
            if state.buckets[source] == nil, state.buckets.count >= limits.trackedSources {
                state.buckets = state.buckets.filter { !$0.value.isFull(at: now) }
                if state.buckets.count >= limits.trackedSources { state.buckets.removeAll(keepingCapacity: true) }
            }
            var bucket =
                state.buckets[source]
                ?? TokenBucket(capacity: limits.burstPerSource, refillPerSecond: limits.ratePerSource, at: now)
            let admitted = bucket.take(at: now)
            state.buckets[source] = bucket
            guard admitted else {
                state.refusedRateLimited += 1
                return .rateLimited
            }
            state.open += 1
            return nil
        }
    }

    /// Ends an admitted stream.
    func release() { state.withLock { $0.open -= 1 } }
}
