import Foundation
import GossipTestKit
import Synchronization

/// Network namespaces made by a test: one per host, each joined to a hub namespace that routes between them, so
/// that a partition can be cut and healed (policy-routing `blackhole` rules in the hub) while every process keeps
/// its own address. Host `k` is `10.213.k.2`; its loopback (127.0.0.1) is its own. Needs root and `ip`; removes
/// everything it made when it goes away.
final class NetworkLab: @unchecked Sendable {
    static let ip = ["/usr/sbin/ip", "/sbin/ip", "/usr/bin/ip", "/bin/ip"].first {
        FileManager.default.isExecutableFile(atPath: $0)
    }

    /// `true` when namespaces can be made here (root, `ip` present, a probe namespace works).
    static let isAvailable: Bool = {
        guard getuid() == 0, let ip else { return false }
        let probe = "gossip-probe-\(getpid())"
        let made = (try? BuiltExecutable.run(URL(fileURLWithPath: ip), ["netns", "add", probe]))?.status == 0
        _ = try? BuiltExecutable.run(URL(fileURLWithPath: ip), ["netns", "del", probe])
        return made
    }()

    let prefix: String
    let hosts: Int
    /// Labs made by this process so far: each gets names of its own, so that two can run at once.
    private static let made = Mutex(0)
    private var blackholes: [[String]] = []

    /// Makes `hosts` namespaces and the hub.
    init(hosts: Int) throws {
        let serial = Self.made.withLock {
            $0 += 1
            return $0
        }
        prefix = "gl\(getpid() % 100_000)x\(serial)"
        self.hosts = hosts
        try ip("netns", "add", hub)
        try ip("netns", "exec", hub, "ip", "link", "set", "lo", "up")
        try ip("netns", "exec", hub, "sysctl", "-q", "-w", "net.ipv4.ip_forward=1")
        for host in 1...hosts {
            let namespace = self.namespace(host)
            try ip("netns", "add", namespace)
            try ip("netns", "exec", namespace, "ip", "link", "set", "lo", "up")
            try ip(
                "link", "add", "\(prefix)v\(host)", "netns", hub, "type", "veth", "peer", "name", "eth0", "netns",
                namespace)
            try ip("netns", "exec", hub, "ip", "addr", "add", "10.213.\(host).1/24", "dev", "\(prefix)v\(host)")
            try ip("netns", "exec", hub, "ip", "link", "set", "\(prefix)v\(host)", "up")
            try ip("netns", "exec", namespace, "ip", "addr", "add", "\(address(host))/24", "dev", "eth0")
            try ip("netns", "exec", namespace, "ip", "link", "set", "eth0", "up")
            try ip("netns", "exec", namespace, "ip", "route", "add", "default", "via", "10.213.\(host).1")
        }
    }

    deinit {
        for host in 1...hosts { try? ip("netns", "del", namespace(host)) }
        try? ip("netns", "del", hub)
    }

    var hub: String { "\(prefix)-hub" }
    func namespace(_ host: Int) -> String { "\(prefix)-\(host)" }
    func address(_ host: Int) -> String { "10.213.\(host).2" }

    /// Cuts every path between the hosts of `side` and `other`, both ways.
    func partition(_ side: [Int], _ other: [Int]) throws {
        for a in side {
            for b in other {
                for (from, to) in [(a, b), (b, a)] {
                    let rule = ["from", "10.213.\(from).0/24", "to", "10.213.\(to).0/24", "blackhole"]
                    try ip(["netns", "exec", hub, "ip", "rule", "add"] + rule)
                    blackholes.append(rule)
                }
            }
        }
    }

    /// Removes every cut.
    func heal() throws {
        for rule in blackholes { try ip(["netns", "exec", hub, "ip", "rule", "del"] + rule) }
        blackholes = []
    }

    /// Starts `executable` inside host `host`'s namespace with its output in `log`.
    func spawn(_ host: Int, _ executable: String, _ arguments: [String], log: URL) throws -> Process {
        _ = FileManager.default.createFile(atPath: log.path, contents: nil)
        let handle = try FileHandle(forWritingTo: log)
        handle.seekToEndOfFile()
        let process = Process()
        process.executableURL = URL(fileURLWithPath: Self.ip!)
        // `ip netns exec` becomes the program, so the process is the program itself (kill -9 reaches it).
        process.arguments = ["netns", "exec", namespace(host), executable] + arguments
        process.standardOutput = handle
        process.standardError = handle
        try process.run()
        return process
    }

    /// Runs `executable` to completion inside host `host`'s namespace.
    func run(_ host: Int, _ executable: String, _ arguments: [String]) throws -> (
        status: Int32, output: String, error: String
    ) {
        try BuiltExecutable.run(
            URL(fileURLWithPath: Self.ip!), ["netns", "exec", namespace(host), executable] + arguments)
    }

    private func ip(_ arguments: String...) throws { try ip(arguments) }

    private func ip(_ arguments: [String]) throws {
        let result = try BuiltExecutable.run(URL(fileURLWithPath: Self.ip!), arguments)
        guard result.status == 0 else {
            throw SerfError("ip \(arguments.joined(separator: " ")) failed: \(result.error)")
        }
    }
}
