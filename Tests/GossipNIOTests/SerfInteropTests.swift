import Foundation
import GossipCore
import GossipNIO
import GossipTestKit
import Logging
import MemberlistWire
import SWIM
import Serf
import Testing

/// Our node in a cluster with real Debian `serf agent` processes on 127.0.0.1 (`.ci/run` installs `serf`).
@Suite("Interoperability with real Serf agents", .serialized, .enabled(if: SerfAgent.isInstalled))
struct SerfInteropTests {
    static func node(
        _ name: String, tags: [String: String] = [:], keyring: Keyring? = nil, snapshot: String? = nil,
        port: UInt16 = 0
    ) -> GossipNode {
        var configuration = NodeConfiguration(name: name)
        configuration.snapshotPath = snapshot
        configuration.bindAddress = NodeAddress(ip: .loopbackV4, port: port)
        configuration.tags = tags
        configuration.keyring = keyring
        configuration.leavePropagationDelay = .milliseconds(500)
        return GossipNode(
            configuration: configuration, logger: Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() }))
    }

    static func status(of name: String, in node: GossipNode) async -> SWIM.Status? {
        await node.members.first { $0.name == name }?.status
    }

    @Test("joins both ways, tags both ways, failure detection both ways, graceful leaves both ways")
    func mixedCluster() async throws {
        let serfA = try SerfAgent(name: "serf-a", tags: ["role": "db"])
        let ours = Self.node("swift-1", tags: ["role": "web", "dc": "test"])
        try await ours.start()
        defer { Task { await ours.shutdown() } }
        let address = try #require(await ours.boundAddress)

        // We join serf.
        #expect(await ours.join([serfA.address]) == 1)
        #expect(
            await eventually(timeout: 10) { serfA.status(of: "swift-1") == "alive" }, "serf-a does not list us alive")
        let listed = try serfA.members().first { $0.name == "swift-1" }
        #expect(listed?.tags == ["role": "web", "dc": "test"], "serf shows our tags")

        // Serf joins us.
        let serfB = try SerfAgent(name: "serf-b", tags: ["role": "cache"], join: address)
        #expect(await waitUntil(timeout: 10) { await Self.status(of: "serf-b", in: ours) == .alive })
        #expect(
            await eventually(timeout: 10) { serfA.status(of: "serf-b") == "alive" }, "serf-b reached serf-a through us")
        let members = await ours.members
        let tags = Dictionary(
            uniqueKeysWithValues: members.map { ($0.name, (try? SerfTags.decode($0.metadata)) ?? [:]) })
        #expect(tags["serf-a"] == ["role": "db"])
        #expect(tags["serf-b"] == ["role": "cache"])

        // kill -9 of a serf agent: we mark it dead. With 3 members, k = 0: a 4 s suspicion after a probe round
        // of at most 3 s, plus the probe itself; 20 s is a generous bound.
        serfB.kill9()
        #expect(await waitUntil(timeout: 20) { await Self.status(of: "serf-b", in: ours) == .dead })

        // A serf agent's graceful leave is a leave for us.
        let serfC = try SerfAgent(name: "serf-c", join: serfA.address)
        #expect(await waitUntil(timeout: 10) { await Self.status(of: "serf-c", in: ours) == .alive })
        try serfC.rpc(["leave"])
        #expect(await waitUntil(timeout: 10) { await Self.status(of: "serf-c", in: ours) == .left })

        // Our graceful leave is shown as left by serf, never failed.
        await ours.leave()
        // Polled until serf shows either outcome (a loaded machine slows the CLI it is read with), then checked.
        #expect(await eventually(timeout: 30) { ["left", "failed"].contains(serfA.status(of: "swift-1")) })
        #expect(serfA.status(of: "swift-1") == "left")
        let drops = await ours.statistics.packetsDropped
        #expect(drops == 0)
    }

    @Test("kill -9 of our node: the serf agents mark it failed")
    func ourCrashIsDetected() async throws {
        let serfA = try SerfAgent(name: "serf-d")
        let ours = Self.node("swift-2")
        try await ours.start()
        #expect(await ours.join([serfA.address]) == 1)
        #expect(await eventually(timeout: 10) { serfA.status(of: "swift-2") == "alive" })
        await ours.shutdown()  // stops answering without a word, like kill -9
        #expect(await eventually(timeout: 30) { serfA.status(of: "swift-2") == "failed" })
    }

    @Test("with one key everywhere the encrypted cluster forms; a node with a wrong key is not admitted")
    func encryption() async throws {
        let key = Array(repeating: UInt8(0x5A), count: 32)
        let serfA = try SerfAgent(name: "serf-e", encryptKey: Data(key).base64EncodedString())
        let ours = Self.node("swift-3", keyring: try Keyring(primaryKey: key))
        try await ours.start()
        defer { Task { await ours.shutdown() } }
        #expect(await ours.join([serfA.address]) == 1)
        #expect(await eventually(timeout: 10) { serfA.status(of: "swift-3") == "alive" })

        let stranger = Self.node("swift-wrong-key", keyring: try Keyring(primaryKey: Array(repeating: 1, count: 32)))
        try await stranger.start()
        defer { Task { await stranger.shutdown() } }
        #expect(await stranger.join([serfA.address]) == 0)
        // The stranger's join fails and is counted (the serf agent's answer is one it cannot open), and neither
        // cluster member lists it.
        #expect(await waitUntil(timeout: 10) { await stranger.statistics.streamsFailed >= 1 })
        #expect(serfA.status(of: "swift-wrong-key") == nil)
        #expect(await ours.members.allSatisfy { $0.name != "swift-wrong-key" })
        #expect(await ours.statistics.packetsDropped == 0)
    }

    @Test("in a two-member cluster our graceful leave is shown as left")
    func leaveInPair() async throws {
        let serfA = try SerfAgent(name: "serf-f")
        let ours = Self.node("swift-4")
        try await ours.start()
        #expect(await ours.join([serfA.address]) == 1)
        #expect(await eventually(timeout: 10) { serfA.status(of: "swift-4") == "alive" })
        await ours.leave()
        #expect(await eventually(timeout: 10) { serfA.status(of: "swift-4") == "left" })
    }

    @Test("hostile datagrams and streams: the node keeps probing and answering, and counts each drop")
    func hostileInput() async throws {
        let serfA = try SerfAgent(name: "serf-g")
        let ours = Self.node("swift-5")
        try await ours.start()
        defer { Task { await ours.shutdown() } }
        let address = try #require(await ours.boundAddress)
        #expect(await ours.join([serfA.address]) == 1)
        var rng = SystemRandomNumberGenerator()
        var garbage: [[UInt8]] = (0..<300).map { _ in
            (0..<Int.random(in: 1...1500, using: &rng)).map { _ in UInt8.random(in: 0...255, using: &rng) }
        }
        garbage.append(Array(repeating: 0xFF, count: 65_507))
        garbage.append([7, 200] + Array(repeating: 0, count: 50))  // a compound claiming 200 parts
        garbage.append([12, 0, 0, 0, 0, 0])  // a CRC that does not match
        garbage.append(MemberlistCodec.encode(.nack(SWIM.Nack(sequenceNumber: 1))) + [0xC1, 0xC1])
        try sendDatagrams(garbage, to: address)
        // A stalled stream and a truncated one: both are closed by the node, which goes on.
        let stalled = try openStream(to: address, sending: [6, 0x83])
        let truncated = try openStream(to: address, sending: Array(repeating: 0xAB, count: 10))
        defer {
            close(stalled)
            close(truncated)
        }
        #expect(await waitUntil(timeout: 5) { await ours.statistics.packetsDropped >= 250 })
        // Still a healthy member: serf-g keeps seeing us alive, and our probes keep going.
        let probes = await ours.protocolStatistics.probes
        #expect(await waitUntil(timeout: 10) { await ours.protocolStatistics.probes >= probes + 3 })
        #expect(serfA.status(of: "swift-5") == "alive")
        #expect(await Self.status(of: "serf-g", in: ours) == .alive)
        let statistics = await ours.statistics
        #expect(!statistics.dropsByReason.isEmpty)
        #expect(statistics.streamsRefused >= 1)
    }

    @Test("two serf agents and two of ours: serf rtt and gossip rtt estimate every pair, asked of either kind")
    func roundTripEstimatesInAMixedCluster() async throws {
        let gossip = BuiltExecutable.locate(
            "gossip",
            packageRoot: URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
                .deletingLastPathComponent())
        let serfA = try SerfAgent(name: "serf-r1")
        let serfB = try SerfAgent(name: "serf-r2", join: serfA.address)
        let first = Self.node("swift-r1")
        let second = Self.node("swift-r2")
        var endpoints = [serfA.rpcAddress, serfB.rpcAddress]
        for node in [first, second] {
            try await node.start()
            endpoints.append(try await node.startRPC(on: NodeAddress(ip: .loopbackV4, port: 0)).description)
            #expect(await node.join([serfA.address]) == 1)
        }
        defer {
            Task {
                await first.shutdown()
                await second.shutdown()
            }
        }
        let names = ["serf-r1", "serf-r2", "swift-r1", "swift-r2"]
        let pairs = names.indices.flatMap { a in names.indices.filter { $0 > a }.map { (names[a], names[$0]) } }
        for endpoint in endpoints {
            for (a, b) in pairs {
                let estimated = await eventually(timeout: 30) {
                    let printed = (try? serfA.run(["rtt", "-rpc-addr=\(endpoint)", a, b])) ?? ""
                    return printed.hasPrefix("Estimated \(a) <-> \(b) rtt: ")
                }
                #expect(estimated, "serf rtt \(a) \(b) asked of \(endpoint)")
            }
        }
        guard let gossip else { return }
        let run = { (arguments: [String]) async -> (status: Int32, output: String, error: String)? in
            await onDedicatedThread { try? BuiltExecutable.run(gossip, arguments) }
        }
        for endpoint in [serfA.rpcAddress, endpoints[2]] {
            let result = await run(["rtt", "serf-r2", "swift-r2", "--rpc-addr", endpoint])
            #expect(result?.status == 0, "gossip rtt asked of \(endpoint): \(result?.error ?? "")")
            #expect(result?.output.hasPrefix("Estimated serf-r2 <-> swift-r2 rtt: ") == true)
        }
        let missing = await run(["rtt", "nobody", "--rpc-addr", endpoints[2]])
        #expect(missing?.status == 1)
        #expect(missing?.error.contains("Could not find a coordinate for node \"nobody\"") == true)
    }

    @Test("serf members, members-filtered and info work against our control endpoint")
    func serfCommandsAgainstOurRPC() async throws {
        let serfA = try SerfAgent(name: "serf-h", tags: ["role": "db"])
        let ours = Self.node("swift-6", tags: ["role": "web"])
        try await ours.start()
        defer { Task { await ours.shutdown() } }
        let rpc = try await ours.startRPC(on: NodeAddress(ip: .loopbackV4, port: 0))
        #expect(await ours.join([serfA.address]) == 1)
        #expect(await eventually(timeout: 10) { serfA.status(of: "swift-6") == "alive" })
        let viaUs = await onDedicatedThread { try? serfA.run(["members", "-rpc-addr=\(rpc)"]) } ?? ""
        #expect(viaUs.contains("swift-6") && viaUs.contains("serf-h") && viaUs.contains("role=web"), "\(viaUs)")
        let filtered =
            await onDedicatedThread { try? serfA.run(["members", "-rpc-addr=\(rpc)", "-tag", "role=db"]) } ?? ""
        #expect(filtered.contains("serf-h") && !filtered.contains("swift-6"), "\(filtered)")
        let info = await onDedicatedThread { try? serfA.run(["info", "-rpc-addr=\(rpc)"]) } ?? ""
        #expect(info.contains("name = swift-6"), "\(info)")
        // Key commands need encryption: refused here, with the reason.
        let keys = await onDedicatedThread { () -> String in
            do { return try serfA.run(["keys", "-rpc-addr=\(rpc)", "-list"]) } catch { return "FAILED: \(error)" }
        }
        #expect(keys.hasPrefix("FAILED") && keys.contains("encryption is not enabled"), "\(keys)")
        // Coordinates travel in acks both ways: serf rtt estimates the round trip asked of either agent.
        for endpoint in [rpc.description, serfA.rpcAddress] {
            let estimated = await eventually(timeout: 20) {
                let printed = (try? serfA.run(["rtt", "-rpc-addr=\(endpoint)", "serf-h", "swift-6"])) ?? ""
                return printed.hasPrefix("Estimated serf-h <-> swift-6 rtt: ") && printed.contains(" ms")
            }
            #expect(estimated, "serf rtt against \(endpoint)")
        }
        #expect(await (ours.coordinateStatistics?.updates ?? 0) > 0)
        // `serf query` through our endpoint collects the serf agent's ack.
        let asked = await onDedicatedThread {
            (try? serfA.run(["query", "-rpc-addr=\(rpc)", "-timeout=2s", "ping"])) ?? ""
        }
        #expect(asked.contains("Ack from 'serf-h'"), "\(asked)")
        // `serf event` through our endpoint reaches the serf agent once.
        let sent = await onDedicatedThread {
            (try? serfA.run(["event", "-rpc-addr=\(rpc)", "via-our-rpc", "p"])) != nil
        }
        #expect(sent)
        #expect(
            await eventually(timeout: 10) { serfA.log.components(separatedBy: "user-event: via-our-rpc").count == 2 })
    }

    @Test("a forged ping from a stranger is answered; 200 concurrent push-pulls are all served")
    func strangersAndConcurrentStreams() async throws {
        let ours = Self.node("swift-7")
        try await ours.start()
        defer { Task { await ours.shutdown() } }
        let address = try #require(await ours.boundAddress)

        // memberlist answers a ping from anyone, to the source it names.
        let ping = SWIM.Ping(target: "swift-7", sequenceNumber: 4242, source: nil, sourceNode: "stranger")
        let pingBytes = MemberlistCodec.encode(.ping(ping))
        let answer = try #require(await onDedicatedThread { try? udpExchange(pingBytes, with: address) } ?? nil)
        // The ack carries the node's network coordinate, as a serf agent's does.
        guard case .ack(let ack)? = try PacketCodec().decode(answer).messages.first else {
            Issue.record("the answer is not an ack")
            return
        }
        #expect(ack.sequenceNumber == 4242)
        #expect((try? SerfCoordinate(decoding: ack.payload)) != nil)
        // A ping for another name is dropped and counted.
        let misdirected = SWIM.Ping(target: "someone-else", sequenceNumber: 1, source: nil, sourceNode: "stranger")
        let misdirectedBytes = MemberlistCodec.encode(.ping(misdirected))
        #expect(await onDedicatedThread { try? udpExchange(misdirectedBytes, with: address, timeout: 1) } ?? nil == nil)
        #expect(await ours.protocolStatistics.drops(.pingForAnotherNode) == 1)

        // 200 push-pulls at once, each carrying only the node's own record: every one is answered.
        let local = try #require(await ours.localMember)
        let state = SWIM.PushPull(
            join: false,
            nodes: [
                SWIM.NodeState(
                    name: local.name, address: local.address, metadata: local.metadata, incarnation: local.incarnation,
                    status: .alive, protocolVersions: local.protocolVersions)
            ])
        var rng = SystemRandomNumberGenerator()
        let request = StreamCodec().encode(.pushPull(state), using: &rng)
        let replies = await onDedicatedThread { concurrentTCPExchanges(request, with: address, count: 200) }
        let answered = replies.filter { reply in
            guard case .pushPull(let remote)? = try? StreamCodec().decode(reply)?.message else { return false }
            return remote.nodes.map(\.name) == ["swift-7"]
        }.count
        #expect(answered == 200)
        #expect(await ours.protocolStatistics.pushPullsAnswered == 200)
    }

    @Test("serf keys installs, uses and removes a key across the mixed cluster, and our node stays in it")
    func keyRotation() async throws {
        let oldKey = Array(repeating: UInt8(0x11), count: 32)
        let newKey = Array(repeating: UInt8(0x22), count: 16)
        let old64 = Data(oldKey).base64EncodedString()
        let new64 = Data(newKey).base64EncodedString()
        let serfA = try SerfAgent(name: "serf-k1", encryptKey: old64)
        let serfB = try SerfAgent(name: "serf-k2", join: serfA.address, encryptKey: old64)
        let ours = Self.node("swift-k", keyring: try Keyring(primaryKey: oldKey))
        try await ours.start()
        defer { Task { await ours.shutdown() } }
        #expect(await ours.join([serfA.address]) == 1)
        #expect(await eventually(timeout: 10) { serfB.status(of: "swift-k") == "alive" })

        // Each step must be acknowledged by every member, ours included (serf keys exits non-zero otherwise).
        for step in [["keys", "-install=\(new64)"], ["keys", "-use=\(new64)"], ["keys", "-remove=\(old64)"]] {
            let output = await onDedicatedThread { () -> String in
                do { return try serfA.rpc(step) } catch { return "FAILED: \(error)" }
            }
            #expect(!output.hasPrefix("FAILED"), "\(step): \(output)")
        }
        #expect(await ours.keyring?.keys == [newKey])
        let listed = await onDedicatedThread { (try? serfA.rpc(["keys", "-list"])) ?? "" }
        #expect(listed.contains(new64) && !listed.contains(old64), "\(listed)")

        // With only the new key left everywhere, we keep talking to both serf agents: three more probes.
        let probes = await ours.protocolStatistics.probes
        #expect(await waitUntil(timeout: 10) { await ours.protocolStatistics.probes >= probes + 3 })
        #expect(serfA.status(of: "swift-k") == "alive")
        #expect(serfB.status(of: "swift-k") == "alive")
        #expect(await Self.status(of: "serf-k2", in: ours) == .alive)

        // The other way: our node rotates the cluster's keys (what `gossip keys` asks it to do), serf agents
        // included, and `serf keys -list` against our endpoint reports the result.
        let third = Array(repeating: UInt8(0x33), count: 24)
        let third64 = Data(third).base64EncodedString()
        for (operation, key) in [(GossipNode.KeyOperation.install, third), (.use, third), (.remove, newKey)] {
            let result = await ours.manageKeys(operation, key: key)
            #expect(result.error == nil && result.responses == 3, "\(operation): \(result)")
        }
        let listing = await ours.manageKeys(.list)
        #expect(listing.keys == [third64: 3], "\(listing)")
        let rpc = try await ours.startRPC(on: NodeAddress(ip: .loopbackV4, port: 0))
        let viaUs = await onDedicatedThread { (try? serfA.run(["keys", "-list", "-rpc-addr=\(rpc)"])) ?? "" }
        #expect(viaUs.contains("\(third64)  [3/3]"), "\(viaUs)")
        let failed = await ours.manageKeys(.remove, key: third)  // the primary cannot be removed
        #expect(failed.errors == 3 && failed.error == "3/3 nodes reported failure", "\(failed)")
        let probesAfter = await ours.protocolStatistics.probes
        #expect(await waitUntil(timeout: 10) { await ours.protocolStatistics.probes >= probesAfter + 2 })
        #expect(serfB.status(of: "swift-k") == "alive")
    }

    @Test("the control endpoint: auth, query streams answered with respond, relayed responses")
    func controlEndpointExtras() async throws {
        let serfA = try SerfAgent(name: "serf-r1")
        let serfB = try SerfAgent(name: "serf-r2", join: serfA.address)
        let ours = Self.node("swift-r")
        try await ours.start()
        defer { Task { await ours.shutdown() } }
        let rpc = try await ours.startRPC(on: NodeAddress(ip: .loopbackV4, port: 0), authKey: "sekrit")
        #expect(await ours.join([serfA.address]) == 1)
        #expect(await eventually(timeout: 10) { serfB.status(of: "swift-r") == "alive" })
        // Without the key the serf CLI is refused; with it, served.
        let refused = await onDedicatedThread { (try? serfA.run(["members", "-rpc-addr=\(rpc)"])) == nil }
        #expect(refused)
        let served = await onDedicatedThread { try? serfA.run(["members", "-rpc-addr=\(rpc)", "-rpc-auth=sekrit"]) }
        #expect(served?.contains("serf-r2") == true)

        // A client streams queries from our agent and answers one with `respond`; serf's asker gets the answer,
        // also through two relays.
        let listeners = await ours.listenerCount
        let answered = Task.detached { () -> Bool in
            guard let client = try? SerfRPCClient(address: rpc.description, authKey: "sekrit") else { return false }
            var ok = false
            try? client.stream(filter: "query:uptime") { record in
                let id = record["ID"]?.integerValue ?? 0
                let body = MessagePackValue.map([
                    (.string("ID"), .int(id)), (.string("Payload"), .binary(Array("up 3 days".utf8))),
                ])
                ok = (try? client.request("respond", body: body, expectsBody: false))?.error == nil
                return false
            }
            return ok
        }
        #expect(await waitUntil(timeout: 10) { await ours.listenerCount > listeners }, "the stream is registered")
        let output = await onDedicatedThread {
            (try? serfA.rpc(["query", "-relay-factor=2", "-timeout=3s", "uptime"])) ?? ""
        }
        #expect(await answered.value)
        #expect(output.contains("Response from 'swift-r': up 3 days"), "\(output)")
        // An ID nobody streamed is refused.
        let bogus = await onDedicatedThread { () -> String? in
            let body = MessagePackValue.map([(.string("ID"), .int(99)), (.string("Payload"), .binary([]))])
            do {
                let client = try SerfRPCClient(address: rpc.description, authKey: "sekrit")
                return try client.request("respond", body: body, expectsBody: false).error
            } catch {
                return "\(error)"
            }
        }
        #expect(bogus == "No pending queries matching ID")
        // A query over Serf's 1,024-byte limit is refused with the limit named.
        let big = String(repeating: "x", count: 1_100)
        let tooBig = await onDedicatedThread { () -> String in
            do { return try serfA.run(["query", "-rpc-addr=\(rpc)", "-rpc-auth=sekrit", "big", big]) } catch {
                return "\(error)"
            }
        }
        #expect(tooBig.contains("exceeds limit of 1024 bytes"), "\(tooBig)")
        // Our node answers with relays too when it is asked to, and serf leave through our endpoint makes it
        // leave: the serf agents list it as left.
        var relayed = 0
        for await answer in await ours.query("ping", relayFactor: 1, timeout: .seconds(2)) {
            if case .ack = answer { relayed += 1 }
        }
        #expect(relayed == 3, "every member acked once, duplicates from relays folded")
        _ = await onDedicatedThread { try? serfA.run(["leave", "-rpc-addr=\(rpc)", "-rpc-auth=sekrit"]) }
        #expect(await eventually(timeout: 15) { serfB.status(of: "swift-r") == "left" })
    }

    @Test("force-leave both ways: ours tells serf, serf tells ours")
    func forceLeaveBothWays() async throws {
        let serfA = try SerfAgent(name: "serf-fl1")
        let serfB = try SerfAgent(name: "serf-fl2", join: serfA.address)
        let serfC = try SerfAgent(name: "serf-fl3", join: serfA.address)
        let ours = Self.node("swift-fl")
        try await ours.start()
        defer { Task { await ours.shutdown() } }
        #expect(await ours.join([serfA.address]) == 1)
        #expect(await waitUntil(timeout: 10) { await ours.members.filter { $0.status == .alive }.count == 4 })

        serfB.kill9()
        serfC.kill9()
        #expect(await waitUntil(timeout: 30) { await Self.status(of: "serf-fl2", in: ours) == .dead })
        #expect(await eventually(timeout: 30) { serfA.status(of: "serf-fl3") == "failed" })

        // Ours forces serf-fl2 out: serf-fl1 shows it left.
        #expect(await ours.forceLeave("serf-fl2"))
        #expect(await Self.status(of: "serf-fl2", in: ours) == .left)
        #expect(await eventually(timeout: 10) { serfA.status(of: "serf-fl2") == "left" })

        // serf-fl1 forces serf-fl3 out: ours shows it left.
        #expect(await waitUntil(timeout: 30) { await ours.serfStatus(of: "serf-fl3") == .failed })
        _ = await onDedicatedThread { try? serfA.rpc(["force-leave", "serf-fl3"]) }
        // Serf's list (the protocol's own may have forgotten the failed member by now, on a loaded machine).
        #expect(await waitUntil(timeout: 10) { await ours.serfStatus(of: "serf-fl3") == .left })
        #expect(await !ours.forceLeave("serf-fl1"), "an alive member is not forced out")
    }

    @Test("serf monitor against our control endpoint shows member events as they happen")
    func monitorStream() async throws {
        let ours = Self.node("swift-mon")
        try await ours.start()
        defer { Task { await ours.shutdown() } }
        let rpc = try await ours.startRPC(on: NodeAddress(ip: .loopbackV4, port: 0))
        let monitor = Process()
        monitor.executableURL = URL(fileURLWithPath: SerfAgent.executable)
        monitor.arguments = ["monitor", "-rpc-addr=\(rpc)"]
        let output = CollectedOutput()
        monitor.standardOutput = output.pipe
        let listeners = await ours.listenerCount
        try monitor.run()
        defer {
            if monitor.isRunning { kill(monitor.processIdentifier, SIGKILL) }
        }
        #expect(await waitUntil(timeout: 10) { await ours.listenerCount > listeners }, "the monitor is registered")
        let address = try #require(await ours.boundAddress)
        let serfA = try SerfAgent(name: "serf-mon", join: address)
        #expect(await waitUntil(timeout: 10) { await Self.status(of: "serf-mon", in: ours) == .alive })
        #expect(
            await eventually(timeout: 10) {
                output.text.contains("EventMemberJoin: serf-mon") && output.text.contains("member-join")
            }, "\(output.text)")
        kill(monitor.processIdentifier, SIGINT)
        _ = serfA
    }

    @Test("our RPC client lists members with their tags from a serf agent and from ours alike")
    func rpcClientBothWays() async throws {
        let serfA = try SerfAgent(name: "serf-cl", tags: ["role": "db"])
        let serfB = try SerfAgent(name: "serf-cl2", tags: ["role": "cache"], join: serfA.address)
        let ours = Self.node("swift-cl", tags: ["role": "web"])
        try await ours.start()
        defer { Task { await ours.shutdown() } }
        let rpc = try await ours.startRPC(on: NodeAddress(ip: .loopbackV4, port: 0))
        #expect(await ours.join([serfA.address]) == 1)
        #expect(await waitUntil(timeout: 10) { await ours.members.filter { $0.status == .alive }.count == 3 })
        #expect(await eventually(timeout: 10) { serfB.status(of: "swift-cl") == "alive" })

        let expected = ["serf-cl": ["role": "db"], "serf-cl2": ["role": "cache"], "swift-cl": ["role": "web"]]
        for address in [serfA.rpcAddress, "\(rpc)"] {
            let members = await onDedicatedThread {
                (try? SerfRPCClient(address: address).members(status: "alive")) ?? []
            }
            let tags = Dictionary(uniqueKeysWithValues: members.map { ($0.name, $0.tags) })
            #expect(tags == expected, "\(address): \(members)")
        }
        let refused = await onDedicatedThread { () -> String in
            do {
                _ = try SerfRPCClient(address: "127.0.0.1:1")
                return "connected"
            } catch { return "\(error)" }
        }
        #expect(refused.contains("cannot connect"))
    }

    @Test("user events both ways, each delivered exactly once")
    func userEvents() async throws {
        let serfA = try SerfAgent(name: "serf-ev1")
        let serfB = try SerfAgent(name: "serf-ev2", join: serfA.address)
        let ours = Self.node("swift-ev")
        try await ours.start()
        defer { Task { await ours.shutdown() } }
        let events = await ours.subscribeUserEvents()
        let delivered = Collected<SerfMessage.UserEvent>()
        let collecting = Task { for await event in events { delivered.append(event) } }
        #expect(await ours.join([serfA.address]) == 1)
        #expect(await eventually(timeout: 10) { serfB.status(of: "swift-ev") == "alive" })

        // serf → ours: `serf event` on serf-ev2 reaches us once.
        _ = await onDedicatedThread { try? serfB.rpc(["event", "deploy", "v1"]) }
        // ours → serf: reaches both serf agents once (their logs record every user event they deliver).
        try await ours.sendUserEvent(name: "hello-swift", payload: Array("x".utf8))
        #expect(
            await eventually(timeout: 10) {
                serfA.log.components(separatedBy: "user-event: hello-swift").count == 2
                    && serfB.log.components(separatedBy: "user-event: hello-swift").count == 2
            })
        await #expect(throws: GossipNode.UserEventError.self) {
            try await ours.sendUserEvent(name: "big", payload: Array(repeating: 0, count: 600))
        }
        // A later event from serf-ev2 marks the moment: once it is everywhere, a duplicate would have shown.
        _ = await onDedicatedThread { try? serfB.rpc(["event", "marker", ""]) }
        #expect(
            await eventually(timeout: 10) {
                serfA.log.contains("user-event: marker") && serfB.log.contains("user-event: marker")
            })
        #expect(await eventually(timeout: 10) { delivered.items.contains { $0.name == "marker" } })
        await ours.shutdown()
        await collecting.value
        let seen = delivered.items
        #expect(seen.filter { $0.name == "deploy" }.map(\.payload) == [Array("v1".utf8)], "\(seen)")
        #expect(seen.filter { $0.name == "hello-swift" }.count == 1, "delivered locally once")
        #expect(serfA.log.components(separatedBy: "user-event: hello-swift").count == 2, "\(serfA.log)")
        #expect(serfB.log.components(separatedBy: "user-event: hello-swift").count == 2)
    }

    @Test("tags both ways: serf tags on a serf agent is seen by ours, our tags (also through our RPC) by serf")
    func tagsBothWays() async throws {
        let serfA = try SerfAgent(name: "serf-tg", tags: ["role": "db"])
        let ours = Self.node("swift-tg", tags: ["role": "web"])
        try await ours.start()
        defer { Task { await ours.shutdown() } }
        let rpc = try await ours.startRPC(on: NodeAddress(ip: .loopbackV4, port: 0))
        #expect(await ours.join([serfA.address]) == 1)
        #expect(await eventually(timeout: 10) { serfA.status(of: "swift-tg") == "alive" })

        _ = await onDedicatedThread { try? serfA.rpc(["tags", "-set", "zone=eu", "-delete", "role"]) }
        #expect(
            await waitUntil(timeout: 10) {
                let metadata = await ours.members.first { $0.name == "serf-tg" }?.metadata ?? []
                return (try? SerfTags.decode(metadata)) == ["zone": "eu"]
            })

        try await ours.updateTags(set: ["version": "2"])
        #expect(
            await eventually(timeout: 10) {
                (try? serfA.members())?.first { $0.name == "swift-tg" }?.tags == ["role": "web", "version": "2"]
            })
        _ = await onDedicatedThread { try? serfA.run(["tags", "-rpc-addr=\(rpc)", "-delete", "version"]) }
        #expect(
            await eventually(timeout: 10) {
                (try? serfA.members())?.first { $0.name == "swift-tg" }?.tags == ["role": "web"]
            })
        await #expect(throws: WireError.self) {
            try await ours.updateTags(set: ["big": String(repeating: "x", count: 600)])
        }
        #expect(await ours.tags == ["role": "web"])
    }

    @Test("serf query is acked and answered by ours; node and tag filters select who answers")
    func queries() async throws {
        let serfA = try SerfAgent(name: "serf-q")
        let ours = Self.node("swift-q", tags: ["role": "web"])
        try await ours.start()
        defer { Task { await ours.shutdown() } }
        await ours.setQueryResponder { query in Array("up from swift, asked \(query.name)".utf8) }
        #expect(await ours.join([serfA.address]) == 1)
        #expect(await eventually(timeout: 10) { serfA.status(of: "swift-q") == "alive" })

        func ask(_ extra: [String]) async -> String {
            await onDedicatedThread {
                (try? serfA.rpc(["query", "-timeout=2s", "-format=json"] + extra + ["uptime", "hello"])) ?? ""
            }
        }
        let everyone = await ask([])
        #expect(everyone.contains("swift-q") && everyone.contains("up from swift, asked uptime"), "\(everyone)")
        let named = await ask(["-node=serf-q"])
        #expect(!named.contains("swift-q"), "a node filter leaves us out: \(named)")
        let tagged = await ask(["-tag", "role=w.*"])
        #expect(tagged.contains("up from swift"), "\(tagged)")
        let mistagged = await ask(["-tag", "role=db"])
        #expect(!mistagged.contains("up from swift"), "\(mistagged)")
    }

    @Test("a query of ours collects an ack from every member, serf agents included, and filters narrow it")
    func ourQueries() async throws {
        let serfA = try SerfAgent(name: "serf-oq1", tags: ["role": "db"])
        let serfB = try SerfAgent(name: "serf-oq2", tags: ["role": "cache"], join: serfA.address)
        let ours = Self.node("swift-oq", tags: ["role": "web"])
        try await ours.start()
        defer { Task { await ours.shutdown() } }
        await ours.setQueryResponder { _ in Array("42".utf8) }
        #expect(await ours.join([serfA.address]) == 1)
        #expect(await eventually(timeout: 10) { serfB.status(of: "swift-oq") == "alive" })

        func ask(_ filters: [SerfMessage.Query.Filter]) async -> [GossipNode.QueryAnswer] {
            var answers: [GossipNode.QueryAnswer] = []
            for await answer in await ours.query("ping", filters: filters, timeout: .seconds(2)) {
                answers.append(answer)
            }
            return answers
        }
        let everyone = await ask([])
        #expect(
            Set(everyone.compactMap { if case .ack(let from) = $0 { from } else { nil } })
                == ["serf-oq1", "serf-oq2", "swift-oq"], "\(everyone)")
        #expect(everyone.contains(.response(from: "swift-oq", payload: Array("42".utf8))))
        let dbOnly = await ask([.tag("role", expression: "db")])
        #expect(dbOnly == [.ack(from: "serf-oq1")], "\(dbOnly)")
        let named = await ask([.nodes(["serf-oq2", "swift-oq"])])
        #expect(
            Set(named.compactMap { if case .ack(let from) = $0 { from } else { nil } }) == ["serf-oq2", "swift-oq"])
    }

    @Test("a node restarted with its snapshot rejoins without being told whom to join, and replays no old event")
    func snapshotRejoin() async throws {
        let serfA = try SerfAgent(name: "serf-s1")
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("snap-\(UUID()).snap").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        let port = try freePort()
        let first = Self.node("swift-s", snapshot: path, port: port)
        try await first.start()
        #expect(await first.join([serfA.address]) == 1)
        let firstEvents = await first.subscribeUserEvents()
        _ = await onDedicatedThread { try? serfA.rpc(["event", "deploy", "v1"]) }
        var iterator = firstEvents.makeAsyncIterator()
        #expect(await iterator.next()?.name == "deploy")
        // The snapshot is flushed every 500 ms: once it records the event clock past the event, crash (no leave).
        #expect(
            await waitUntil(timeout: 10) { () async -> Bool in
                let text = (try? String(contentsOfFile: path, encoding: .utf8)) ?? ""
                return text.split(separator: "\n").contains { $0.hasPrefix("event-clock: ") && $0 != "event-clock: 1" }
            })
        await first.shutdown()

        // Back at once, while serf still retransmits the event: no join list, no second delivery.
        let second = Self.node("swift-s", snapshot: path, port: port)
        let secondEvents = await second.subscribeUserEvents()
        try await second.start()
        defer { Task { await second.shutdown() } }
        #expect(await waitUntil(timeout: 10) { await Self.status(of: "serf-s1", in: second) == .alive })
        #expect(await eventually(timeout: 10) { serfA.status(of: "swift-s") == "alive" })
        _ = await onDedicatedThread { try? serfA.rpc(["event", "deploy", "v2"]) }
        var names: [String] = []
        for await event in secondEvents {
            names.append(String(decoding: event.payload, as: UTF8.self))
            if names.last == "v2" { break }
        }
        #expect(names == ["v2"], "the old event was not delivered again")
    }

    @Test("two nodes with one name: the cluster votes (_serf_conflict) and the impostor shuts down")
    func nameConflict() async throws {
        let serfA = try SerfAgent(name: "serf-c1")
        let serfB = try SerfAgent(name: "serf-c2", join: serfA.address)
        let original = Self.node("twin")
        try await original.start()
        defer { Task { await original.shutdown() } }
        #expect(await original.join([serfA.address]) == 1)
        #expect(await eventually(timeout: 10) { serfB.status(of: "twin") == "alive" })
        let impostor = Self.node("twin")
        try await impostor.start()
        defer { Task { await impostor.shutdown() } }
        _ = await impostor.join([serfB.address])
        #expect(await waitUntil(timeout: 20) { await !impostor.isRunning })
        #expect(await original.isRunning)
        #expect(serfA.status(of: "twin") == "alive")
    }
}
