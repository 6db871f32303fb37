#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

extension SWIM {
    /// Configuration of a ``SWIM/Instance``. Defaults and presets are memberlist 0.2.2's, so a node configured
    /// with ``SWIM/Settings/lan`` times its probes, suspicions and gossip exactly like a Serf or Consul agent on
    /// the LAN.
    public struct Settings: Sendable, Equatable {
        /// Time between failure-detection probes. Each probe pings one member in a shuffled round-robin order,
        /// so every member is probed once per `n` intervals. The interval a failed probe waits is scaled by the
        /// Lifeguard health score (``awarenessMaxMultiplier``). Default (LAN): 1 s.
        public var probeInterval: Duration = .seconds(1)

        /// How long a probe waits for a direct ack before asking ``indirectChecks`` peers to ping the target.
        /// Set it near the 99th percentile of round-trip time; it is never scaled by the health score.
        /// Default (LAN): 500 ms.
        public var probeTimeout: Duration = .milliseconds(500)

        /// How many peers are asked to ping a target that did not answer directly. Default (LAN): 3.
        public var indirectChecks: Int = 3

        /// When `false`, a failed probe also tries the target over a stream (TCP) to tell a UDP-blocked node
        /// from a dead one. Default: `false` (TCP pings enabled).
        public var disableStreamPings: Bool = false

        /// Suspicion timeout multiplier: the minimum suspicion timeout is
        /// `suspicionMultiplier × max(1, log10(n)) × probeInterval`. Default (LAN): 4.
        public var suspicionMultiplier: Int = 4

        /// The maximum suspicion timeout, as a multiple of the minimum. An unconfirmed suspicion lasts this
        /// long; each independent confirmation shrinks it toward the minimum (Lifeguard). Default: 6.
        public var suspicionMaxTimeoutMultiplier: Int = 6

        /// Upper bound of the Lifeguard health multiplier: the local health score ranges over
        /// `0..<awarenessMaxMultiplier`, and the probe interval is scaled by `score + 1`. Default: 8.
        public var awarenessMaxMultiplier: Int = 8

        /// Number of times a broadcast is retransmitted is `retransmitMultiplier × ceil(log10(n + 1))`.
        /// Default (LAN): 4.
        public var retransmitMultiplier: Int = 4

        /// Time between gossip ticks. Each tick sends pending broadcasts to ``gossipNodes`` random members.
        /// Default (LAN): 200 ms.
        public var gossipInterval: Duration = .milliseconds(200)

        /// Members each gossip tick sends to. Default (LAN): 3.
        public var gossipNodes: Int = 3

        /// How long dead members keep receiving gossip (so that a falsely accused node hears of it and refutes)
        /// and stay in the member list before they are removed at the next probe round. Default (LAN): 30 s.
        public var gossipToTheDeadTime: Duration = .seconds(30)

        /// Time between full state exchanges (push-pull over a stream) with one random member; scaled up for
        /// clusters of more than 32 members. Zero disables periodic push-pull. Default (LAN): 30 s.
        public var pushPullInterval: Duration = .seconds(30)

        /// Deadline for a stream exchange (push-pull, join). Default (LAN): 10 s.
        public var streamTimeout: Duration = .seconds(10)

        /// Like Serf: how often to try to rejoin a member marked dead, so that a healed partition rejoins on
        /// its own (memberlist alone never does). Zero disables reconnects. Default: 30 s.
        public var reconnectInterval: Duration = .seconds(30)

        /// Like Serf: how long a dead member stays a reconnect candidate before it is forgotten. Default: 24 h.
        public var reconnectTimeout: Duration = .seconds(24 * 3600)

        /// Bytes available to one UDP packet; broadcasts are piggybacked until it is full. Default: 1400.
        public var udpBufferSize: Int = 1400

        /// Bytes each packet loses to layers below the message (29 with AES-GCM encryption, else 0); the shell
        /// that encrypts sets it. Default: 0.
        public var packetOverhead: Int = 0

        /// Largest member metadata accepted or sent, in bytes. Default: 512 (memberlist's `MetaMaxSize`).
        public var maxMetadataSize: Int = 512

        /// Largest remote state (members in one push-pull) merged; larger ones are dropped and counted.
        /// Default: 1,048,576 (memberlist 0.6's limit).
        public var maxPushPullMembers: Int = 1 << 20

        /// The protocol and delegate version range this node advertises in every `alive`. Default:
        /// `[1, 5, 2, 2, 5, 5]`, what a Serf 0.9.4 agent expects.
        public var protocolVersions: SWIM.ProtocolVersions = .serfCompatible

        /// Creates the LAN preset.
        public init() {}

        /// memberlist's `DefaultLANConfig`: tuned for a local network, 1 s probes, 200 ms gossip.
        public static var lan: Settings { Settings() }

        /// memberlist's `DefaultWANConfig`: higher latency and loss tolerated, slower probes and gossip.
        public static var wan: Settings {
            var settings = Settings()
            settings.streamTimeout = .seconds(30)
            settings.suspicionMultiplier = 6
            settings.pushPullInterval = .seconds(60)
            settings.probeTimeout = .seconds(3)
            settings.probeInterval = .seconds(5)
            settings.gossipNodes = 4
            settings.gossipInterval = .milliseconds(500)
            settings.gossipToTheDeadTime = .seconds(60)
            return settings
        }

        /// memberlist's `DefaultLocalConfig`: for nodes on one host or a very fast network; quick timeouts.
        public static var local: Settings {
            var settings = Settings()
            settings.streamTimeout = .seconds(1)
            settings.indirectChecks = 1
            settings.retransmitMultiplier = 2
            settings.suspicionMultiplier = 3
            settings.pushPullInterval = .seconds(15)
            settings.probeTimeout = .milliseconds(200)
            settings.gossipInterval = .milliseconds(100)
            settings.gossipToTheDeadTime = .seconds(15)
            return settings
        }

        /// The preset called `name` (`lan`, `wan` or `local`), or `nil`.
        public static func preset(named name: String) -> Settings? {
            switch name.lowercased() {
            case "lan": return .lan
            case "wan": return .wan
            case "local": return .local
            default: return nil
            }
        }
    }
}

extension SWIM.Settings {
    /// Minimum suspicion timeout for a cluster of `clusterSize` members:
    /// `suspicionMultiplier × max(1, log10(n)) × probeInterval`, with memberlist's millisecond rounding.
    public func suspicionMinimumTimeout(clusterSize: Int) -> Duration {
        let nodeScale = max(1.0, log10(Double(max(1, clusterSize))))
        let scaledMillis = Int64(nodeScale * 1000)
        return .nanoseconds(Int64(suspicionMultiplier) * scaledMillis * probeInterval.nanoseconds / 1000)
    }

    /// Maximum suspicion timeout: ``suspicionMaxTimeoutMultiplier`` times the minimum.
    public func suspicionMaximumTimeout(clusterSize: Int) -> Duration {
        suspicionMinimumTimeout(clusterSize: clusterSize) * suspicionMaxTimeoutMultiplier
    }

    /// Independent confirmations a suspicion waits for: `suspicionMultiplier − 2`, or 0 when the cluster is
    /// too small to give them (`n − 2 < k`).
    public func suspicionConfirmationsWanted(clusterSize: Int) -> Int {
        let wanted = suspicionMultiplier - 2
        return clusterSize - 2 < wanted ? 0 : max(0, wanted)
    }

    /// How many times each broadcast is sent: `retransmitMultiplier × ceil(log10(n + 1))`.
    public func retransmitLimit(clusterSize: Int) -> Int {
        let scale = Int(log10(Double(clusterSize + 1)).rounded(.up))
        return retransmitMultiplier * scale
    }

    /// The push-pull interval for a cluster of `clusterSize` members: unchanged up to 32, then multiplied by
    /// `ceil(log2(n) − log2(32)) + 1`.
    public func pushPullInterval(clusterSize: Int) -> Duration {
        guard clusterSize > 32 else { return pushPullInterval }
        let multiplier = (log2(Double(clusterSize)) - log2(32.0)).rounded(.up) + 1
        return pushPullInterval * Int(multiplier)
    }
}
