import GossipCore

/// How the simulated network treats packets: one-way latency, random loss and partitions.
public struct NetworkConditions: Sendable {
    /// One-way latency of every packet and stream message.
    public var latency: LatencyModel = .uniform(.microseconds(200), .milliseconds(2))
    /// Probability that a datagram is lost, independently for each datagram (streams are reliable).
    public var lossRate: Double = 0
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

    /// A latency drawn from the model.
    public func sample(using rng: inout some RandomNumberGenerator) -> Duration {
        switch self {
        case .fixed(let latency):
            return latency
        case .uniform(let low, let high):
            guard high > low else { return low }
            return low + rng.nextDuration(below: high - low)
        }
    }
}
