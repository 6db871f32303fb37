import MemberlistWire

/// Traffic counters of a ``GossipNode``'s shell (the protocol's own counters are in `SWIM.Statistics`).
public struct NodeStatistics: Sendable, Hashable {
    /// Datagrams received.
    public var packetsIn = 0
    /// Datagrams sent.
    public var packetsOut = 0
    /// Bytes received in datagrams.
    public var bytesIn = 0
    /// Bytes sent in datagrams.
    public var bytesOut = 0
    /// Datagrams dropped whole because they could not be decoded (bad CRC, wrong key, garbage …).
    public var packetsDropped = 0
    /// Parts of compound datagrams dropped while the rest was used.
    public var partsDropped = 0
    /// Stream connections refused because their contents could not be decoded.
    public var streamsRefused = 0
    /// Stream exchanges this node started that failed (connection refused, timeout, garbage).
    public var streamsFailed = 0
    /// Drops by kind of error, for metrics and `stats`: a closed set of keys, so the table stays the same size
    /// whatever a sender writes (the error's details go to a debug log line).
    public var dropsByReason: [WireError.Kind: Int] = [:]

    /// Creates zeroed counters.
    public init() {}
}
