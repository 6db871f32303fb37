import Foundation
import GossipCore
import GossipTestKit
import Testing

/// Two `gossip agent` processes and two `serf agent` processes, each in a network namespace of its own, split
/// into two halves that each hold one of ours and one of Serf's: the partition heals on its own through
/// reconnect, and no user event, sent before, during or after it, is delivered twice anywhere (our agents run
/// an event handler that writes each delivery down; Serf's agents log theirs).
@Suite("A mixed cluster split and healed", .serialized)
struct SerfPartitionTests {
    @Test(
        "a partition heals through reconnect and no user event is delivered twice",
        .enabled(if: NetworkLab.isAvailable && SerfAgent.isInstalled && KeyValueChaosTests.gossip != nil),
        .timeLimit(.minutes(4)))
    func partitionHeals() async throws {
        let failure: String? = await onDedicatedThread {
            do {
                try PartitionRun().run()
                return nil
            } catch {
                return "\(error)"
            }
        }
        if let failure { Issue.record(Comment(rawValue: failure)) }
    }
}

/// One run of the partition test, blocking (it runs on a thread of its own).
final class PartitionRun {
    let lab: NetworkLab
    let gossip: String
    let directory: URL
    var processes: [Process] = []
    let ours = [1, 2]
    let serfs = [3, 4]

    init() throws {
        lab = try NetworkLab(hosts: 4)
        gossip = KeyValueChaosTests.gossip!
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("gossip-partition-\(UUID())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    deinit {
        for process in processes where process.isRunning { kill(process.processIdentifier, SIGKILL) }
        try? FileManager.default.removeItem(at: directory)
    }

    func file(_ name: String) -> URL { directory.appendingPathComponent(name) }

    /// Deliveries of user event `name` on host `host`.
    func deliveries(of name: String, on host: Int) -> Int {
        if ours.contains(host) {
            let text = (try? String(contentsOf: file("events-\(host).txt"), encoding: .utf8)) ?? ""
            return text.split(separator: "\n").filter { $0 == name }.count
        }
        let log = (try? String(contentsOf: file("host-\(host).log"), encoding: .utf8)) ?? ""
        return log.components(separatedBy: "Received event: user-event: \(name)\n").count - 1
    }

    func alive(seenBy host: Int) -> Int {
        let executable = ours.contains(host) ? gossip : SerfAgent.executable
        let arguments =
            ours.contains(host)
            ? ["members", "--rpc-addr", "127.0.0.1:7373"] : ["members", "-rpc-addr=127.0.0.1:7373"]
        guard let result = try? lab.run(host, executable, arguments), result.status == 0 else { return 0 }
        return result.output.split(separator: "\n").filter { $0.contains(" alive") }.count
    }

    func event(_ name: String, from host: Int) throws {
        let result =
            ours.contains(host)
            ? try lab.run(host, gossip, ["event", "--rpc-addr", "127.0.0.1:7373", name])
            : try lab.run(host, SerfAgent.executable, ["event", "-rpc-addr=127.0.0.1:7373", name])
        #expect(result.status == 0, "event \(name) from \(host): \(result.error)")
    }

    func run() throws {
        let serfConfiguration = file("serf.json")
        try Data(#"{"reconnect_interval": "2s"}"#.utf8).write(to: serfConfiguration)
        for host in ours {
            var arguments = [
                "agent", "--node", "ours-\(host)", "--bind", "\(lab.address(host)):7946", "--rpc-addr",
                "127.0.0.1:7373", "--profile", "local", "--reconnect-interval", "2s",
                "--event-handler", "user=echo $SERF_USER_EVENT >> \(file("events-\(host).txt").path)",
            ]
            if host != 1 { arguments += ["--join", "\(lab.address(1)):7946"] }
            processes.append(try lab.spawn(host, gossip, arguments, log: file("host-\(host).log")))
            #expect(waitUntil(timeout: 15) { self.alive(seenBy: host) >= 1 })
        }
        for host in serfs {
            processes.append(
                try lab.spawn(
                    host, SerfAgent.executable,
                    [
                        "agent", "-node=serf-\(host)", "-bind=\(lab.address(host)):7946", "-rpc-addr=127.0.0.1:7373",
                        "-join=\(lab.address(1)):7946", "-config-file=\(serfConfiguration.path)",
                    ], log: file("host-\(host).log")))
        }
        let everyone = ours + serfs
        #expect(waitUntil(timeout: 30) { everyone.allSatisfy { self.alive(seenBy: $0) == 4 } })

        try event("before", from: 1)
        #expect(waitUntil(timeout: 45) { everyone.allSatisfy { self.deliveries(of: "before", on: $0) == 1 } })

        // Ours-1 and serf-3 on one side, ours-2 and serf-4 on the other; an event on each side.
        try lab.partition([1, 3], [2, 4])
        #expect(waitUntil(timeout: 60) { self.alive(seenBy: 1) == 2 && self.alive(seenBy: 4) == 2 })
        // memberlist still gossips to the dead members across the cut for GossipToTheDeadTime (15 s in the local
        // profile), but its fanout (3) covers the whole list of four, and push-pull carries the event too.
        try event("during-a", from: 1)
        try event("during-b", from: 4)
        // Generous: the whole test suite may be running beside it on two cores.
        let sameSide = waitUntil(timeout: 45) {
            self.deliveries(of: "during-a", on: 3) == 1 && self.deliveries(of: "during-b", on: 2) == 1
        }
        #expect(
            sameSide,
            "during-a on 3: \(deliveries(of: "during-a", on: 3)), during-b on 2: \(deliveries(of: "during-b", on: 2))")

        // Healed, with nobody told to rejoin: reconnect finds the other side.
        try lab.heal()
        #expect(waitUntil(timeout: 90) { everyone.allSatisfy { self.alive(seenBy: $0) == 4 } })
        try event("after", from: 2)
        #expect(waitUntil(timeout: 45) { everyone.allSatisfy { self.deliveries(of: "after", on: $0) == 1 } })
        // Push-pulls carry each side's recent events to the other (Serf delivers those it missed): once every
        // host has them all, a second delivery would already show.
        let names = ["before", "during-a", "during-b", "after"]
        #expect(
            waitUntil(timeout: 60) {
                everyone.allSatisfy { host in names.allSatisfy { self.deliveries(of: $0, on: host) >= 1 } }
            },
            "\(everyone.map { host in names.map { self.deliveries(of: $0, on: host) } })")
        for host in everyone {
            for name in ["before", "during-a", "during-b", "after"] {
                #expect(deliveries(of: name, on: host) <= 1, "\(name) delivered twice on host \(host)")
            }
        }
        #expect(deliveries(of: "during-a", on: 1) == 1 && deliveries(of: "during-b", on: 4) == 1)
    }
}
