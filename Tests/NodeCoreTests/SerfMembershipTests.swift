import GossipCore
import GossipTestKit
import MemberlistWire
import NodeCore
import SWIM
import Serf
import Testing

/// Serf's member list on full node cores in virtual time: a leave is `left`, never `failed`; failed and left
/// members are kept until reaped; force-leave; name conflicts decided by the cluster's majority.
@Suite("Serf's member list in virtual time", .serialized)
struct SerfMembershipTests {
    static func cluster(
        size: Int, loss: Double = 0, seed: UInt64, serf: Serf.Configuration = Serf.Configuration(),
        names: ((Int) -> String)? = nil
    ) -> SimulatedCluster {
        SimulatedCluster(
            size: size,
            network: NetworkConditions(latency: .uniform(.microseconds(200), .milliseconds(2)), lossRate: loss),
            seed: seed, serf: serf, names: names)
    }

    static func events(about name: String, seenBy observer: String, in log: [SimulatedCluster.LogEntry])
        -> [SWIM.MembershipEvent]
    {
        log.filter { $0.observer == observer }.map(\.event).filter { event in
            switch event {
            case .failed(let member), .left(let member), .removed(let member), .joined(let member): member.name == name
            default: false
            }
        }
    }

    @Test("a member that leaves under 10 % loss is seen left by all 19 others, and failed by none")
    func leaveIsLeft() {
        let cluster = Self.cluster(size: 20, loss: 0.1, seed: 12)
        cluster.startAllFormed()
        cluster.run(for: .seconds(2))
        cluster.leave(node: 7)
        cluster.run(for: .seconds(40))
        let leaver = cluster.name(ofNode: 7)
        #expect(cluster.processState(ofNode: 7) == .departed)
        for observer in (0..<20).filter({ $0 != 7 }) {
            let seen = Self.events(about: leaver, seenBy: cluster.name(ofNode: observer), in: cluster.log)
            #expect(seen.contains { if case .left = $0 { true } else { false } }, "node \(observer)")
            #expect(!seen.contains { if case .failed = $0 { true } else { false } }, "node \(observer)")
            #expect(cluster.core(observer).serf?.status(of: leaver) == .left)
        }
    }

    @Test("failed and left members stay listed until their reconnect and tombstone timeouts, then are reaped")
    func retentionAndReaping() {
        var serf = Serf.Configuration()
        serf.reconnectTimeout = .seconds(90)
        serf.tombstoneTimeout = .seconds(40)
        let cluster = Self.cluster(size: 10, seed: 13, serf: serf)
        cluster.startAllFormed()
        cluster.run(for: .seconds(2))
        cluster.crash(node: 3)
        cluster.leave(node: 5)
        cluster.run(for: .seconds(35))
        let failed = cluster.name(ofNode: 3)
        let left = cluster.name(ofNode: 5)
        // memberlist has forgotten both by now; Serf's list still shows them.
        let listed = Dictionary(uniqueKeysWithValues: cluster.core(0).members.map { ($0.name, $0.status) })
        #expect(listed[failed] == .dead)
        #expect(listed[left] == .left)
        #expect(cluster.core(0).serf?.status(of: failed) == .failed)
        cluster.run(for: .seconds(30))
        // Past the tombstone timeout (40 s) and a reap interval (15 s): the one that left is gone, the failed one
        // is not (its timeout is 90 s).
        let names = Set(cluster.core(0).members.map(\.name))
        #expect(!names.contains(left))
        #expect(names.contains(failed))
        cluster.run(for: .seconds(60))
        #expect(!cluster.core(0).members.map(\.name).contains(failed))
        let removed = Self.events(about: failed, seenBy: cluster.name(ofNode: 0), in: cluster.log).filter {
            if case .removed = $0 { true } else { false }
        }
        #expect(removed.count == 1)
    }

    @Test("force-leave turns a failed member left everywhere; a name that is not failed changes nothing")
    func forceLeave() {
        let cluster = Self.cluster(size: 10, seed: 14)
        cluster.startAllFormed()
        cluster.run(for: .seconds(2))
        cluster.crash(node: 6)
        cluster.run(for: .seconds(30))
        let gone = cluster.name(ofNode: 6)
        #expect(cluster.core(1).serf?.status(of: gone) == .failed)
        cluster.forceLeave(node: 1, cluster.name(ofNode: 2))
        cluster.forceLeave(node: 1, "nobody")
        cluster.forceLeave(node: 1, gone)
        cluster.run(for: .seconds(5))
        for observer in [0, 1, 2, 3, 4, 5, 7, 8, 9] {
            #expect(cluster.core(observer).serf?.status(of: gone) == .left, "node \(observer)")
            if observer != 2 {
                // The intent about it marked it leaving; its refutation made it alive again.
                #expect(cluster.core(observer).serf?.status(of: cluster.name(ofNode: 2)) == .alive, "node \(observer)")
            }
        }
    }

    @Test("two nodes claiming one name: the cluster's majority keeps the first, and the newcomer stops")
    func nameConflict() {
        let cluster = Self.cluster(size: 10, seed: 15, names: { $0 == 9 ? "node-003" : "node-00\($0)" })
        for index in 0..<9 {
            cluster.start(node: index, at: .zero + .milliseconds(10 * index), joiningThrough: index == 0 ? [] : [0])
        }
        cluster.run(for: .seconds(10))
        cluster.start(node: 9, joiningThrough: [0])
        cluster.run(for: .seconds(30))
        #expect(cluster.stopReasons[9] == .lostNameConflict)
        #expect(cluster.processState(ofNode: 9) == .departed)
        #expect(cluster.processState(ofNode: 3) == .running)
        #expect(cluster.stopReasons[3] == nil)
    }
}

/// Serf's rules for intents, on ``Serf/Layer`` directly.
@Suite("Serf intents")
struct IntentRuleTests {
    var rng = SeededRandom(seed: 1, stream: 0)
    let membership = SWIM.Instance(name: "self", address: NodeAddress(ip: .loopbackV4, port: 7946))

    static func broadcasts(_ effects: [Serf.Effect]) -> [[UInt8]] {
        effects.compactMap { if case .broadcast(let payload, _) = $0 { payload } else { nil } }
    }

    mutating func receive(_ message: SerfMessage, by layer: inout Serf.Layer, at seconds: Int = 1) -> [Serf.Effect] {
        layer.receive(
            message, payload: message.encode(), membership: membership, at: .zero + .seconds(seconds), using: &rng)
    }

    @Test("an intent no newer than the member's status time is stale: not acted on, not passed on")
    mutating func staleIntent() {
        var layer = Serf.Layer(name: "self")
        var members = membership
        _ = members.bootstrap(
            members: [
                SWIM.Member(
                    name: "peer", address: NodeAddress(ip: .v4(0x0A00_0002), port: 7946), incarnation: 1,
                    status: .alive, statusChangedAt: .zero)
            ], at: .zero, using: &rng)
        let fresh = SerfMessage.join(.init(lamportTime: 10, node: "peer"))
        let effects = layer.receive(fresh, payload: fresh.encode(), membership: members, at: .zero, using: &rng)
        #expect(Self.broadcasts(effects).count == 1)
        let stale = SerfMessage.leave(.init(lamportTime: 9, node: "peer"))
        #expect(layer.receive(stale, payload: stale.encode(), membership: members, at: .zero, using: &rng).isEmpty)
        #expect(layer.status(of: "peer") == nil)
    }

    @Test("a leave intent about a node not yet known waits for it, and marks it leaving when it joins")
    mutating func intentAboutUnknownNode() {
        var layer = Serf.Layer(name: "self")
        let early = SerfMessage.leave(.init(lamportTime: 5, node: "later"))
        #expect(Self.broadcasts(receive(early, by: &layer)).count == 1)
        let member = SWIM.Member(
            name: "later", address: NodeAddress(ip: .v4(0x0A00_0003), port: 7946), incarnation: 1, status: .alive,
            statusChangedAt: .zero)
        _ = layer.observe(.joined(member), membership: membership, at: .zero + .seconds(2), using: &rng)
        #expect(layer.status(of: "later") == .leaving)
    }

    @Test("a leave intent about this node, while it is not leaving, is refuted with a newer join intent")
    mutating func refutesLeaveAboutItself() throws {
        var layer = Serf.Layer(name: "self")
        let accusation = SerfMessage.leave(.init(lamportTime: 40, node: "self"))
        let refutations = Self.broadcasts(receive(accusation, by: &layer))
        #expect(refutations.count == 1)
        guard case .join(let intent) = try SerfMessage(decoding: try #require(refutations.first)) else {
            Issue.record("not a join intent")
            return
        }
        #expect(intent.node == "self")
        #expect(intent.lamportTime > 40)
        // While leaving, the same accusation is not refuted.
        _ = layer.beginLeave(membership: membership)
        let later = SerfMessage.leave(.init(lamportTime: 60, node: "self"))
        #expect(Self.broadcasts(receive(later, by: &layer)).isEmpty)
    }
}
