import ArgumentParser
import Foundation
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
    var logLevel = "info"

    static let keys: Set<String> = [
        "node_name", "bind", "advertise", "start_join", "encrypt_key", "keyring_file", "tags", "profile", "rpc_addr",
        "metrics_addr", "log_level",
    ]

    /// Reads a configuration file; every error names the file and the key.
    static func load(_ path: String) throws -> AgentSettings {
        let data: Data
        do { data = try Data(contentsOf: URL(fileURLWithPath: path)) } catch {
            throw ValidationError("cannot read --config \(path): \(error.localizedDescription)")
        }
        guard let object = try? JSONSerialization.jsonObject(with: data), let entries = object as? [String: Any] else {
            throw ValidationError("--config \(path) is not a JSON object")
        }
        if let unknown = entries.keys.sorted().first(where: { !keys.contains($0) }) {
            throw ValidationError(
                "--config \(path): unknown key '\(unknown)' (known: \(keys.sorted().joined(separator: ", ")))")
        }
        func string(_ key: String) throws -> String? {
            guard let value = entries[key] else { return nil }
            guard let text = value as? String else {
                throw ValidationError("--config \(path): '\(key)' must be a string")
            }
            return text
        }
        var settings = AgentSettings()
        if let value = try string("node_name") { settings.nodeName = value }
        if let value = try string("bind") { settings.bind = value }
        settings.advertise = try string("advertise")
        if let value = entries["start_join"] {
            guard let list = value as? [String] else {
                throw ValidationError("--config \(path): 'start_join' must be an array of strings")
            }
            settings.startJoin = list
        }
        settings.encryptKey = try string("encrypt_key")
        settings.keyringFile = try string("keyring_file")
        if let value = entries["tags"] {
            guard let tags = value as? [String: String] else {
                throw ValidationError("--config \(path): 'tags' must be an object of strings")
            }
            settings.tags = tags
        }
        if let value = try string("profile") { settings.profile = value }
        if let value = try string("rpc_addr") { settings.rpcAddr = value }
        settings.metricsAddr = try string("metrics_addr")
        if let value = try string("log_level") { settings.logLevel = value }
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
        if let advertise { _ = try AddressArgument.parse(advertise, option: "advertise") }
        _ = try loadKeyring()
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
}
