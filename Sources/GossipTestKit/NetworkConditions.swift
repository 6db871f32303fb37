import Foundation
import GossipCore

/// How the simulated network treats packets: one-way latency, random loss and partitions.
public struct NetworkConditions: Sendable {
    /// One-way latency of every packet and stream message.
    public var latency: LatencyModel = .uniform(.microseconds(200), .milliseconds(2))
    /// Probability that a datagram is lost, independently for each datagram (streams are reliable).
    public var lossRate: Double = 0
    /// Bursty loss on top of ``lossRate`` (a Gilbert–Elliott channel), or `nil` for none.
    public var burstLoss: BurstLoss?
    /// Datagrams a paused node's socket buffers before it drops more (a 2 MiB buffer of small packets).
    public var pausedBufferLimit: Int = 8192

    /// A fast LAN without loss.
    public init() {}

    /// A network with the given latency and loss.
    public init(latency: LatencyModel, lossRate: Double = 0) {
        self.latency = latency
        self.lossRate = lossRate
    }
}

/// One-way packet latency.
public enum LatencyModel: Sendable, Hashable {
    /// Always the same.
    case fixed(Duration)
    /// Uniform between the bounds.
    case uniform(Duration, Duration)
    /// A fixed floor plus an exponential tail of the given mean: most packets are fast, a few are slow.
    case exponential(floor: Duration, mean: Duration)

    /// A latency drawn from the model.
    public func sample(using rng: inout some RandomNumberGenerator) -> Duration {
        switch self {
        case .fixed(let latency):
            return latency
        case .uniform(let low, let high):
            guard high > low else { return low }
            return low + rng.nextDuration(below: high - low)
        case .exponential(let floor, let mean):
            let uniform = Double(rng.next() >> 11 + 1) * 0x1.0p-53
            let tail = -Double(mean.components.seconds) - Double(mean.components.attoseconds) * 1e-18
            return floor + .nanoseconds(Int64(tail * log(uniform) * 1e9))
        }
    }
}

/// A two-state (Gilbert–Elliott) loss channel: the network alternates between a good state without extra loss and
/// bursts in which a share of datagrams is lost.
public struct BurstLoss: Sendable, Hashable {
    /// Probability, per datagram, that a burst starts.
    public var burstStartProbability: Double
    /// Mean length of a burst, in datagrams.
    public var meanBurstLength: Double
    /// Share of datagrams lost during a burst.
    public var lossDuringBurst: Double

    /// A channel whose bursts start with `burstStartProbability` per datagram and last `meanBurstLength`
    /// datagrams on average, losing `lossDuringBurst` of them.
    public init(burstStartProbability: Double, meanBurstLength: Double, lossDuringBurst: Double = 1) {
        self.burstStartProbability = burstStartProbability
        self.meanBurstLength = max(1, meanBurstLength)
        self.lossDuringBurst = lossDuringBurst
    }

    /// The long-run share of datagrams lost to bursts.
    public var averageLoss: Double {
        let end = 1 / meanBurstLength
        return burstStartProbability / (burstStartProbability + end) * lossDuringBurst
    }
}
