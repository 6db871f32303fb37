import ArgumentParser
import SWIM

/// What `gossip --version` and `gossip version` print: the tool's version and the protocol versions it speaks,
/// as `serf version` prints Serf's.
enum GossipVersion {
    /// The release.
    static let release = "0.5.0"

    /// Two lines: the release, then memberlist's and Serf's protocol versions.
    static var text: String {
        let versions = SWIM.Settings.lan.protocolVersions
        return """
            gossip v\(release)
            memberlist protocol \(versions.protocolCurrent) (understands \(versions.protocolMin) to \(versions.protocolMax)), \
            Serf protocol \(versions.delegateCurrent) (understands \(versions.delegateMin) to \(versions.delegateMax))
            """
    }
}

/// `gossip version`: the tool's version and the protocol versions it speaks.
struct VersionCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "version", abstract: "Print the tool's version and the protocol versions it speaks.")

    func run() {
        print(GossipVersion.text)
    }
}
