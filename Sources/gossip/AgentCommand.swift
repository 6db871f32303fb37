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
    var node: String = ProcessInfo.processInfo.hostName

    @Option(help: "Address and port to bind UDP and TCP to (port 0 picks one).")
    var bind: String = "0.0.0.0:7946"

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

    @Option(help: "Timing profile: lan, wan or local.")
    var profile: String = "lan"

    @Option(help: "Address of the control endpoint (Serf's RPC protocol) for gossip members, join, leave.")
    var rpcAddr: String = "127.0.0.1:7373"

    @Option(help: "Serve Prometheus metrics over HTTP at this address (for example 127.0.0.1:9100).")
    var metricsAddr: String?

    @Option(help: "Log level: trace, debug, info, notice, warning, error or critical.")
    var logLevel: String = "info"

    func validate() throws {
        guard !node.isEmpty else { throw ValidationError("--node must not be empty") }
        guard SWIM.Settings.preset(named: profile) != nil else {
            throw ValidationError("--profile must be lan, wan or local, not '\(profile)'")
        }
        guard Logger.Level(rawValue: logLevel.lowercased()) != nil else {
            throw ValidationError("--log-level must be trace, debug, info, notice, warning, error or critical")
        }
        guard encrypt == nil || keyringFile == nil else {
            throw ValidationError("--encrypt and --keyring-file cannot be combined")
        }
        for tag in tags where !tag.contains("=") {
            throw ValidationError("--tag '\(tag)' is not key=value")
        }
        _ = try AddressArgument.parse(bind, option: "--bind")
        _ = try AddressArgument.parse(rpcAddr, option: "--rpc-addr")
        if let metricsAddr { _ = try AddressArgument.parse(metricsAddr, option: "--metrics-addr") }
        if let advertise { _ = try AddressArgument.parse(advertise, option: "--advertise") }
    }

    func run() async throws {
        let level = Logger.Level(rawValue: logLevel.lowercased()) ?? .info
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        var configuration = NodeConfiguration(name: node)
        configuration.bindAddress = try AddressArgument.parse(bind, option: "--bind")
        configuration.advertiseAddress = try advertise.map { try AddressArgument.parse($0, option: "--advertise") }
        configuration.settings = SWIM.Settings.preset(named: profile) ?? .lan
        configuration.tags = Dictionary(
            tags.map { tag in
                let parts = tag.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
                return (String(parts[0]), String(parts[1]))
            }, uniquingKeysWith: { $1 })
        configuration.keyring = try loadKeyring()
        let logger = Logger(label: "gossip.agent")
        let node = GossipNode(configuration: configuration, logger: logger)
        var service = GossipNodeService(
            node: node, seeds: try seeds.map { try AddressArgument.resolve($0) },
            rpcAddress: try AddressArgument.parse(rpcAddr, option: "--rpc-addr"))
        var services: [ServiceGroupConfiguration.ServiceConfiguration] = []
        if let metricsAddr {
            let registry = PrometheusCollectorRegistry()
            service.metrics = NodeMetrics(
                node: node.configuration.name, factory: PrometheusMetricsFactory(registry: registry))
            let endpoint = PrometheusEndpoint(
                address: try AddressArgument.parse(metricsAddr, option: "--metrics-addr"), registry: registry,
                logger: logger)
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
        try await group.run()
    }

    func loadKeyring() throws -> Keyring? {
        if let encrypt {
            guard let key = Data(base64Encoded: encrypt) else { throw ValidationError("--encrypt is not base64") }
            do { return try Keyring(primaryKey: [UInt8](key)) } catch { throw ValidationError("--encrypt: \(error)") }
        }
        guard let keyringFile else { return nil }
        let data: Data
        do { data = try Data(contentsOf: URL(fileURLWithPath: keyringFile)) } catch {
            throw ValidationError("cannot read --keyring-file \(keyringFile): \(error.localizedDescription)")
        }
        guard let list = try? JSONSerialization.jsonObject(with: data) as? [String] else {
            throw ValidationError("--keyring-file \(keyringFile) is not a JSON array of base64 keys")
        }
        var keys: [[UInt8]] = []
        for (index, text) in list.enumerated() {
            guard let key = Data(base64Encoded: text) else {
                throw ValidationError("--keyring-file \(keyringFile): key \(index + 1) is not base64")
            }
            keys.append([UInt8](key))
        }
        do { return try Keyring(keys: keys) } catch { throw ValidationError("--keyring-file \(keyringFile): \(error)") }
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
        if let address = try? parse(text, option: "--join") { return address }
        var host = Substring(text)
        var port = 7946
        if let colon = text.lastIndex(of: ":"), let parsed = Int(text[text.index(after: colon)...]) {
            host = text[..<colon]
            port = parsed
        }
        guard let resolved = try? SocketAddress.makeAddressResolvingHost(String(host), port: port),
            let ipText = resolved.ipAddress, let ip = IPAddress(ipText)
        else { throw ValidationError("--join '\(text)' does not resolve to an address") }
        return NodeAddress(ip: ip, port: UInt16(port))
    }
}
