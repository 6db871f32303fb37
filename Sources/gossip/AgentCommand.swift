import ArgumentParser
import Foundation
import GossipCore
import GossipNIO
import Logging
import MemberlistWire
import NIOCore
import Prometheus
import SWIM
import ServiceLifecycle

/// `gossip agent`: runs a real node that Serf agents accept as a member. Flags follow `serf agent`.
struct AgentCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "agent",
        abstract: "Run a cluster member on UDP and TCP that speaks memberlist's protocol (Serf-compatible).",
        discussion: """
            SIGINT or SIGTERM leaves the cluster gracefully: peers see the node as left, not failed.
            Example: gossip agent --node web-1 --bind 127.0.0.1:7946 --join 127.0.0.1:7947 --tag role=web
            """)

    @Option(help: "Unique node name. Default: the host name.")
    var node: String?

    @Option(help: "Address and port to bind UDP and TCP to (port 0 picks one). Default: 0.0.0.0:7946.")
    var bind: String?

    @Option(help: "Address and port peers should use to reach this node (NAT, containers).")
    var advertise: String?

    @Option(name: .customLong("join"), help: "A member to join through, host:port (repeatable; names are resolved).")
    var seeds: [String] = []

    @Option(help: "Base64 AES key (16, 24 or 32 bytes) to encrypt all traffic with.")
    var encrypt: String?

    @Option(help: "A JSON file with an array of base64 keys, the primary first (Serf's keyring file).")
    var keyringFile: String?

    @Option(name: .customLong("tag"), help: "A tag key=value, shown by `serf members` (repeatable).")
    var tags: [String] = []

    @Option(help: "Timing profile: lan, wan or local. Default: lan.")
    var profile: String?

    @Option(help: "Address of the control endpoint (Serf's RPC protocol). Default: 127.0.0.1:7373.")
    var rpcAddr: String?

    @Option(help: "Serve Prometheus metrics over HTTP at this address (for example 127.0.0.1:9100).")
    var metricsAddr: String?

    @Option(
        help: """
            Address of the HTTP API, the dashboard (/ui/) and /metrics; "" turns it off. Default: 127.0.0.1:7380 \
            (left off, with a warning, when another agent on the host holds it).
            """)
    var httpAddr: String?

    @Option(help: "Log level: trace, debug, info, notice, warning, error or critical. Default: info.")
    var logLevel: String?

    @Option(
        name: .customLong("event-handler"),
        help: "[FILTER=]SCRIPT run for events as Serf runs it; for a query its output is the answer (repeatable).")
    var eventHandlers: [String] = []

    @Option(help: "Keep the replicated store durably in this directory (default: in memory).")
    var dataDir: String?

    @Option(help: "Time between anti-entropy rounds of the store (a digest to a random peer). Default: 10s.")
    var antiEntropyInterval: String?

    @Option(help: "Time between attempts to reach failed members again, as Serf's reconnect. Default: 30s.")
    var reconnectInterval: String?

    @Option(help: "Serf's snapshot file: rejoin the previous members and restore the clocks after a restart.")
    var snapshot: String?

    @Flag(help: "Rejoin the snapshot's members even after a graceful leave (as serf's -rejoin).")
    var rejoin = false

    @Flag(
        help: """
            Run a plain memberlist member, without Serf's layer, so that Go services embedding memberlist \
            accept it (no events, queries, tags or store).
            """)
    var plainMemberlist = false

    @Flag(help: "Keep no network coordinates and send none in acks (as serf's -disable-coordinates).")
    var disableCoordinates = false

    @Option(
        help: """
            How user events and store rumors travel: serf (Serf's gossip; events up to 512 bytes) or plumtree (a \
            broadcast tree among swift-gossip agents; events up to 64 KiB, Serf agents still get those that fit \
            Serf's way). Default: serf.
            """)
    var broadcast: String?

    @Option(help: "How long failed members stay listed before they are reaped. Default: 24h.")
    var reconnectTimeout: String?

    @Option(help: "How long members that left stay listed before they are reaped. Default: 24h.")
    var tombstoneTimeout: String?

    @Option(help: "A key every RPC client must authenticate with (as serf's -rpc-auth).")
    var rpcAuth: String?

    @Option(name: .customLong("alert"), help: "An alert on an aggregate, like 'avg(cpu) > 80' (repeatable).")
    var alerts: [String] = []

    @Option(
        help: """
            A JSON file with any of: node_name, bind, advertise, start_join, encrypt_key, keyring_file, tags, \
            profile, rpc_addr, metrics_addr, http_addr, log_level, data_dir, anti_entropy_interval, alerts, \
            reconnect_interval, reconnect_timeout, tombstone_timeout, rpc_auth, snapshot_path, rejoin_after_leave, \
            plain_memberlist, disable_coordinates, broadcast. \
            Flags override it.
            """)
    var config: String?

    /// The flags over the configuration file over the defaults.
    func resolved() throws -> AgentSettings {
        var settings = try config.map(AgentSettings.load) ?? AgentSettings()
        if let node { settings.nodeName = node }
        if let bind { settings.bind = bind }
        if let advertise { settings.advertise = advertise }
        if !seeds.isEmpty { settings.startJoin = seeds }
        if let encrypt { settings.encryptKey = encrypt }
        if let keyringFile { settings.keyringFile = keyringFile }
        for tag in tags {
            let parts = tag.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard parts.count == 2 else { throw ValidationError("--tag '\(tag)' is not key=value") }
            settings.tags[String(parts[0])] = String(parts[1])
        }
        if let profile { settings.profile = profile }
        if let rpcAddr { settings.rpcAddr = rpcAddr }
        if let metricsAddr { settings.metricsAddr = metricsAddr }
        if let httpAddr { settings.httpAddr = httpAddr }
        if let logLevel { settings.logLevel = logLevel }
        if let dataDir { settings.dataDir = dataDir }
        if let antiEntropyInterval { settings.antiEntropyInterval = antiEntropyInterval }
        if !alerts.isEmpty { settings.alerts = alerts }
        if let reconnectInterval { settings.reconnectInterval = reconnectInterval }
        if let rpcAuth { settings.rpcAuth = rpcAuth }
        if let reconnectTimeout { settings.reconnectTimeout = reconnectTimeout }
        if let tombstoneTimeout { settings.tombstoneTimeout = tombstoneTimeout }
        if let snapshot { settings.snapshotPath = snapshot }
        if rejoin { settings.rejoinAfterLeave = true }
        if plainMemberlist { settings.plainMemberlist = true }
        if disableCoordinates { settings.disableCoordinates = true }
        if let broadcast { settings.broadcast = broadcast }
        try settings.validate()
        return settings
    }

    func validate() throws {
        _ = try resolved()
    }

    func run() async throws {
        let settings = try resolved()
        let level = Logger.Level(rawValue: settings.logLevel.lowercased()) ?? .info
        // The log goes to standard error and, for `monitor` on the control endpoint, to a broadcast.
        let broadcast = LogBroadcast()
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return MultiplexLogHandler([handler, broadcast.handler(label: label)])
        }
        var configuration = NodeConfiguration(name: settings.nodeName)
        configuration.bindAddress = try AddressArgument.parse(settings.bind, option: "bind")
        configuration.advertiseAddress = try settings.advertise.map {
            try AddressArgument.parse($0, option: "advertise")
        }
        configuration.settings = try settings.protocolSettings()
        configuration.tags = settings.tags
        configuration.keyring = try settings.loadKeyring()
        configuration.replication = settings.plainMemberlist ? nil : try settings.replication()
        configuration.plainMemberlist = settings.plainMemberlist
        configuration.disableCoordinates = settings.disableCoordinates
        configuration.broadcastTree = try settings.broadcastTree()
        configuration.snapshotPath = settings.snapshotPath
        (configuration.reconnectTimeout, configuration.tombstoneTimeout) = try settings.memberTimeouts()
        configuration.logBroadcast = broadcast
        // As Serf's agent: user events sent with the coalesce flag are coalesced over 3 s (1 s of quiet).
        configuration.userEventCoalescing = (.seconds(3), .seconds(1))
        configuration.rejoinAfterLeave = settings.rejoinAfterLeave
        let logger = Logger(label: "gossip.agent")
        let node = GossipNode(configuration: configuration, logger: logger)
        for rule in try settings.alertRules() { await node.addAlert(rule) }
        let handlers = eventHandlers.map(EventHandler.init)
        var service = GossipNodeService(
            node: node, seeds: try settings.startJoin.map { try AddressArgument.resolve($0) },
            rpcAddress: try AddressArgument.parse(settings.rpcAddr, option: "rpc_addr"))
        service.rpcAuthKey = settings.rpcAuth
        var services: [ServiceGroupConfiguration.ServiceConfiguration] = []
        let registry = PrometheusCollectorRegistry()
        let httpAddr = settings.httpAddr ?? AgentSettings.defaultHTTPAddress
        if settings.metricsAddr != nil || !httpAddr.isEmpty {
            service.metrics = NodeMetrics(
                node: configuration.name, factory: PrometheusMetricsFactory(registry: registry))
        }
        if !httpAddr.isEmpty {
            service.httpAddress = try AddressArgument.parse(httpAddr, option: "http_addr")
            service.httpRegistry = registry
            service.httpIsOptional = settings.httpAddr == nil
        }
        if let metricsAddr = settings.metricsAddr {
            let endpoint = PrometheusEndpoint(
                address: try AddressArgument.parse(metricsAddr, option: "metrics_addr"), registry: registry,
                logger: logger, refresh: { await node.refreshMetrics() })
            services.append(.init(service: endpoint))
        }
        // The node's end (a leave, by signal or by `gossip leave`) ends the agent.
        services.insert(
            .init(
                service: service, successTerminationBehavior: .gracefullyShutdownGroup,
                failureTerminationBehavior: .gracefullyShutdownGroup), at: 0)
        let group = ServiceGroup(
            configuration: ServiceGroupConfiguration(
                services: services, gracefulShutdownSignals: [.sigint, .sigterm], logger: logger))
        await EventHandler.attach(handlers, to: node)
        try await group.run()
    }
}

/// `host:port` arguments.
enum AddressArgument {
    /// A literal `ip:port` (`[v6]:port`), or an IP alone with port 7946.
    static func parse(_ text: String, option: String) throws -> NodeAddress {
        if let address = NodeAddress(text) { return address }
        if let ip = IPAddress(text) { return NodeAddress(ip: ip, port: 7946) }
        throw ValidationError("\(option) '\(text)' is not an address like 127.0.0.1:7946")
    }

    /// A literal address, or `name[:port]` resolved through DNS (port 7946 when none is given).
    static func resolve(_ text: String) throws -> NodeAddress {
        if !text.hasSuffix("]"), let colon = text.lastIndex(of: ":"),
            text.firstIndex(of: ":") == colon || text.hasPrefix("[")
        {
            let port = text[text.index(after: colon)...]
            guard let number = Int(port), (1...65535).contains(number) else {
                throw ValidationError("--join '\(text)': the port '\(port)' is not a port number from 1 to 65535")
            }
        }
        guard let address = NodeAddress(resolving: text) else {
            throw ValidationError("--join '\(text)' does not resolve to an address")
        }
        return address
    }
}
