import GossipCore
import Logging
import Prometheus
import ServiceLifecycle

/// A ``GossipNode`` as a swift-service-lifecycle `Service`: `run()` binds it (and its control endpoint), runs it
/// in the service's own task group (every task the node needs is a child of `run()`), joins the seeds, exports its
/// metrics (brought up to date whenever they are read: no timer wakes an idle agent for them), and returns when the
/// node stops. A graceful shutdown (SIGINT or
/// SIGTERM in a `ServiceGroup`) leaves the cluster politely; cancellation stops at once.
public struct GossipNodeService: Service {
    /// The node.
    public let node: GossipNode
    /// Members to join through at start; none for the first node of a cluster.
    public var seeds: [NodeAddress]
    /// Where to serve Serf's RPC protocol, if anywhere.
    public var rpcAddress: NodeAddress?
    /// The key RPC clients must authenticate with, if any (Serf's `-rpc-auth`).
    public var rpcAuthKey: String?
    /// Metrics to export, if any: ``GossipNode/refreshMetrics()`` brings them up to date before each scrape.
    public var metrics: NodeMetrics?
    /// Where to serve the HTTP API and the dashboard (``GossipNode/startHTTP(on:authKey:registry:)``), if
    /// anywhere; it takes ``rpcAuthKey`` as its bearer key.
    public var httpAddress: NodeAddress?
    /// The metrics the HTTP server shows at `/metrics`, if any.
    public var httpRegistry: PrometheusCollectorRegistry?
    /// Whether the node runs without the HTTP API when ``httpAddress`` is taken (the default address on a host
    /// running several agents) instead of failing. Default: `false`.
    public var httpIsOptional = false

    /// A service for `node`.
    public init(
        node: GossipNode, seeds: [NodeAddress] = [], rpcAddress: NodeAddress? = nil, metrics: NodeMetrics? = nil
    ) {
        self.node = node
        self.seeds = seeds
        self.rpcAddress = rpcAddress
        self.metrics = metrics
    }

    /// Why the service could not run.
    public struct Failure: Error, CustomStringConvertible {
        /// What went wrong.
        public var description: String
    }

    /// Runs the node until it stops; see the type's description.
    public func run() async throws {
        try await node.bind()
        if let rpcAddress { try await node.startRPC(on: rpcAddress, authKey: rpcAuthKey) }
        if let httpAddress {
            do {
                _ = try await node.startHTTP(on: httpAddress, authKey: rpcAuthKey, registry: httpRegistry)
            } catch  where httpIsOptional {
                node.logger.warning(
                    "the HTTP API is off: its address is taken (set another with --http-addr)",
                    metadata: ["gossip.http": "\(httpAddress)", "gossip.error": "\(error)"])
            }
        }
        let node = self.node
        let seeds = self.seeds
        if let metrics { await node.exportMetrics(to: metrics) }
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await node.run() }
            if !seeds.isEmpty, await node.join(seeds) == 0 {
                await node.shutdown()
                throw Failure(description: "could not join any of \(seeds.map(\.description).joined(separator: ", "))")
            }
            group.addTask {
                // A graceful shutdown (SIGINT, SIGTERM) leaves politely; cancellation stops at once.
                do {
                    try await gracefulShutdown()
                    await node.leave()
                } catch {
                    await node.shutdown()
                }
            }
            // The node's own run ends when it stops (a leave, a lost name conflict, a shutdown).
            try await group.next()
            group.cancelAll()
        }
    }
}
