import ArgumentParser
import Foundation
import GossipNIO
import MemberlistWire
import SWIM

/// What `gossip agent` runs with: from `--config FILE` (JSON, Serf's key names), then the flags, then the
/// defaults below.
struct AgentSettings: Equatable {
    var nodeName = ProcessInfo.processInfo.hostName
    var bind = "0.0.0.0:7946"
    var advertise: String?
    var startJoin: [String] = []
    var encryptKey: String?
    var keyringFile: String?
    var tags: [String: String] = [:]
    var profile = "lan"
    var rpcAddr = "127.0.0.1:7373"
    var metricsAddr: String?
    /// The HTTP API's address (`http_addr`); `nil` for the default, empty for none.
    var httpAddr: String?
    /// Where the HTTP API listens unless told otherwise.
    static let defaultHTTPAddress = "127.0.0.1:7380"
    var logLevel = "info"
    /// Where the replicated store's log lives; `nil` keeps it in memory.
    var dataDir: String?
    /// Time between anti-entropy exchanges, like `10s`.
    var antiEntropyInterval = "10s"
    /// Alert rules on aggregates, like `avg(cpu) > 80`.
    var alerts: [String] = []
    /// Time between attempts to reach failed members again (Serf's `reconnect_interval`); `nil` keeps the
    /// profile's 30 s.
    var reconnectInterval: String?
    /// How long failed members stay listed (Serf's `reconnect_timeout`), like `24h`.
    var reconnectTimeout = "24h"
    /// How long members that left stay listed (Serf's `tombstone_timeout`), like `24h`.
    var tombstoneTimeout = "24h"
    /// The key RPC clients must authenticate with (Serf's `rpc_auth`).
    var rpcAuth: String?
    /// Serf's snapshot file (`snapshot_path`).
    var snapshotPath: String?
    /// Rejoin the snapshot's members even after a graceful leave (`rejoin_after_leave`).
    var rejoinAfterLeave = false
    /// A plain memberlist member, without Serf's layer (`plain_memberlist`).
    var plainMemberlist = false
    /// Keep no network coordinates (Serf's `disable_coordinates`).
    var disableCoordinates = false
    /// How user events and rumors travel (`broadcast`): `serf` or `plumtree`.
    var broadcast = "serf"

    static let keys: Set<String> = [
        "node_name", "bind", "advertise", "start_join", "encrypt_key", "keyring_file", "tags", "profile", "rpc_addr",
        "metrics_addr", "http_addr", "log_level", "data_dir", "anti_entropy_interval", "alerts",
        "reconnect_interval", "rpc_auth", "snapshot_path", "rejoin_after_leave",
        "reconnect_timeout", "tombstone_timeout", "plain_memberlist", "disable_coordinates",
        "broadcast",
    ]

    /// Reads a configuration file; every error names the file and the key.
    static func load(_ path: String) throws -> AgentSettings {
        let data: Data
        do { data = try Data(contentsOf: URL(fileURLWithPath: path)) } catch {
            throw ValidationError("cannot read --config \(path): \(error.localizedDescription)")
        }
        let root: ConfigurationJSON.Value
        do { root = try ConfigurationJSON.parse(String(decoding: data, as: UTF8.self)) } catch {
            throw ValidationError("--config \(path): \(error)")
        }
        guard case .object(let pairs) = root else {
            throw ValidationError("--config \(path): the file must hold one JSON object ({\"node_name\": …})")
        }
        let entries = Dictionary(pairs.map { ($0.key, $0.value) }, uniquingKeysWith: { first, _ in first })
        if let unknown = pairs.map(\.key).first(where: { !keys.contains($0) }) {
            throw ValidationError(
                "--config \(path): unknown key '\(unknown)' (known: \(keys.sorted().joined(separator: ", ")))")
        }
        func string(_ key: String) throws -> String? {
            guard let value = entries[key] else { return nil }
            guard case .string(let text) = value else {
                throw ValidationError("--config \(path): '\(key)' must be a string")
            }
            return text
        }
        func strings(_ key: String) throws -> [String]? {
            guard let value = entries[key] else { return nil }
            guard case .array(let elements) = value else {
                throw ValidationError("--config \(path): '\(key)' must be an array of strings")
            }
            return try elements.map { element in
                guard case .string(let text) = element else {
                    throw ValidationError("--config \(path): '\(key)' must be an array of strings")
                }
                return text
            }
        }
        var settings = AgentSettings()
        if let value = try string("node_name") { settings.nodeName = value }
        if let value = try string("bind") { settings.bind = value }
        settings.advertise = try string("advertise")
        if let list = try strings("start_join") { settings.startJoin = list }
        settings.encryptKey = try string("encrypt_key")
        settings.keyringFile = try string("keyring_file")
        if let value = entries["tags"] {
            guard case .object(let tagPairs) = value else {
                throw ValidationError("--config \(path): 'tags' must be an object of strings")
            }
            settings.tags = try Dictionary(
                tagPairs.map { pair in
                    guard case .string(let text) = pair.value else {
                        throw ValidationError("--config \(path): tag '\(pair.key)' must be a string")
                    }
                    return (pair.key, text)
                }, uniquingKeysWith: { first, _ in first })
        }
        if let value = try string("profile") { settings.profile = value }
        if let value = try string("rpc_addr") { settings.rpcAddr = value }
        settings.metricsAddr = try string("metrics_addr")
        settings.httpAddr = try string("http_addr")
        if let value = try string("log_level") { settings.logLevel = value }
        settings.dataDir = try string("data_dir")
        if let value = try string("anti_entropy_interval") { settings.antiEntropyInterval = value }
        settings.reconnectInterval = try string("reconnect_interval")
        settings.rpcAuth = try string("rpc_auth")
        if let value = try string("reconnect_timeout") { settings.reconnectTimeout = value }
        if let value = try string("tombstone_timeout") { settings.tombstoneTimeout = value }
        settings.snapshotPath = try string("snapshot_path")
        if let value = try string("broadcast") { settings.broadcast = value }
        func flag(_ key: String) throws -> Bool? {
            guard let value = entries[key] else { return nil }
            guard case .bool(let flag) = value else {
                throw ValidationError("--config \(path): '\(key)' must be true or false")
            }
            return flag
        }
        if let value = try flag("rejoin_after_leave") { settings.rejoinAfterLeave = value }
        if let value = try flag("plain_memberlist") { settings.plainMemberlist = value }
        if let value = try flag("disable_coordinates") { settings.disableCoordinates = value }
        if let list = try strings("alerts") { settings.alerts = list }
        return settings
    }

    func validate() throws {
        guard !nodeName.isEmpty else { throw ValidationError("the node name must not be empty") }
        guard SWIM.Settings.preset(named: profile) != nil else {
            throw ValidationError("the profile must be lan, wan or local, not '\(profile)'")
        }
        guard ["trace", "debug", "info", "notice", "warning", "error", "critical"].contains(logLevel.lowercased())
        else {
            throw ValidationError("the log level must be trace, debug, info, notice, warning, error or critical")
        }
        guard encryptKey == nil || keyringFile == nil else {
            throw ValidationError("an encryption key and a keyring file cannot be combined")
        }
        _ = try AddressArgument.parse(bind, option: "bind")
        _ = try AddressArgument.parse(rpcAddr, option: "rpc_addr")
        if let metricsAddr { _ = try AddressArgument.parse(metricsAddr, option: "metrics_addr") }
        if let httpAddr, !httpAddr.isEmpty { _ = try AddressArgument.parse(httpAddr, option: "http_addr") }
        if let advertise { _ = try AddressArgument.parse(advertise, option: "advertise") }
        _ = try loadKeyring()
        _ = try replication()
        _ = try broadcastTree()
        _ = try alertRules()
        _ = try protocolSettings()
        _ = try memberTimeouts()
    }

    /// The keyring from the key or the keyring file, if either is set.
    func loadKeyring() throws -> Keyring? {
        if let encryptKey {
            guard let key = Data(base64Encoded: encryptKey) else {
                throw ValidationError("the encryption key is not base64")
            }
            do { return try Keyring(primaryKey: [UInt8](key)) } catch {
                throw ValidationError("the encryption key: \(error)")
            }
        }
        guard let keyringFile else { return nil }
        let data: Data
        do { data = try Data(contentsOf: URL(fileURLWithPath: keyringFile)) } catch {
            throw ValidationError("cannot read the keyring file \(keyringFile): \(error.localizedDescription)")
        }
        guard let list = try? JSONSerialization.jsonObject(with: data) as? [String] else {
            throw ValidationError("the keyring file \(keyringFile) is not a JSON array of base64 keys")
        }
        var keys: [[UInt8]] = []
        for (index, text) in list.enumerated() {
            guard let key = Data(base64Encoded: text) else {
                throw ValidationError("the keyring file \(keyringFile): key \(index + 1) is not base64")
            }
            keys.append([UInt8](key))
        }
        do { return try Keyring(keys: keys) } catch {
            throw ValidationError("the keyring file \(keyringFile): \(error)")
        }
    }

    /// The broadcast tree these settings ask for: `nil` for Serf's gossip.
    func broadcastTree() throws -> BroadcastTreeConfiguration? {
        switch broadcast {
        case "serf": return nil
        case "plumtree":
            guard !plainMemberlist else {
                throw ValidationError(
                    "--broadcast plumtree needs Serf's layer: a plain memberlist member has no events")
            }
            return BroadcastTreeConfiguration()
        default:
            throw ValidationError("--broadcast must be serf or plumtree, not '\(broadcast)'")
        }
    }

    /// The replication configuration these settings describe.
    func replication() throws -> ReplicationConfiguration {
        var replication = ReplicationConfiguration()
        replication.dataDirectory = dataDir
        guard let interval = parseDuration(antiEntropyInterval), interval > .zero else {
            throw ValidationError("the anti-entropy interval must be a duration like 10s, not '\(antiEntropyInterval)'")
        }
        replication.antiEntropyInterval = interval
        return replication
    }

    /// The alert rules, each checked.
    func alertRules() throws -> [AlertRule] {
        try alerts.map { text in
            do { return try AlertRule(parsing: text) } catch { throw ValidationError("\(error)") }
        }
    }

    /// The protocol settings: the profile, with the reconnect interval if one is given.
    func protocolSettings() throws -> SWIM.Settings {
        var settings = SWIM.Settings.preset(named: profile) ?? .lan
        if let reconnectInterval {
            guard let interval = parseDuration(reconnectInterval), interval > .zero else {
                throw ValidationError("the reconnect interval must be a duration like 30s, not '\(reconnectInterval)'")
            }
            settings.reconnectInterval = interval
        }
        return settings
    }

    /// The reconnect and tombstone timeouts, each checked.
    func memberTimeouts() throws -> (reconnect: Duration, tombstone: Duration) {
        func positive(_ text: String, _ name: String) throws -> Duration {
            guard let duration = parseDuration(text), duration > .zero else {
                throw ValidationError("the \(name) must be a duration like 24h, not '\(text)'")
            }
            return duration
        }
        return (
            try positive(reconnectTimeout, "reconnect timeout"), try positive(tombstoneTimeout, "tombstone timeout")
        )
    }
}
