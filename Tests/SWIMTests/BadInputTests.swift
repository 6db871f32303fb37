import GossipCore
import SWIM
import Testing

/// Messages that make no sense are handled as memberlist handles them, or dropped and counted; never a trap.
@Suite("Bad input")
struct BadInputTests {
    @Test("a suspect or dead about an unknown member is dropped and counted")
    func unknownMember() {
        var h = Harness()
        h.receive(.suspect(SWIM.Suspect(incarnation: 1, node: "ghost", from: "peer-1")))
        h.receive(.dead(SWIM.Dead(incarnation: 1, node: "ghost", from: "peer-1")))
        #expect(h.node.statistics.drops(.unknownMember) == 2)
        #expect(h.node.member(named: "ghost") == nil)
    }

    @Test("empty names are dropped and counted")
    func emptyNames() {
        var h = Harness()
        h.receive(.alive(Harness.alive("", incarnation: 1, index: 2)))
        h.receive(.suspect(SWIM.Suspect(incarnation: 1, node: "", from: "x")))
        h.receive(.dead(SWIM.Dead(incarnation: 1, node: "self", from: "")))
        #expect(h.node.statistics.drops(.emptyNodeName) == 3)
        #expect(h.node.clusterSize == 1)
        #expect(h.status("self") == .alive)
    }

    @Test("an alive with an invalid version range or oversized metadata is dropped")
    func invalidAlive() {
        var h = Harness()
        var bad = Harness.alive("peer-1", incarnation: 1, index: 1)
        bad.protocolVersions = SWIM.ProtocolVersions(
            protocolMin: 3, protocolMax: 2, protocolCurrent: 2, delegateMin: 2, delegateMax: 5, delegateCurrent: 5)
        h.receive(.alive(bad))
        h.receive(.alive(Harness.alive("peer-2", incarnation: 1, index: 2, metadata: Array(repeating: 0, count: 513))))
        #expect(h.node.clusterSize == 1)
        #expect(h.node.statistics.drops(.invalidProtocolVersions) == 1)
        #expect(h.node.statistics.drops(.oversizedMetadata) == 1)
    }

    @Test("a dead for the maximum incarnation about ourselves is refuted without overflow trapping")
    func incarnationOverflow() {
        var h = Harness()
        h.receive(.dead(SWIM.Dead(incarnation: .max, node: "self", from: "peer-1")))
        #expect(h.status("self") == .alive)
    }

    @Test("a push-pull with more members than the limit is dropped whole")
    func oversizedPushPull() {
        var settings = SWIM.Settings.lan
        settings.maxPushPullMembers = 1000
        var h = Harness(settings: settings)
        let nodes = (0..<5000).map { index in
            SWIM.NodeState(
                name: "n\(index)", address: Harness.address(index + 1), metadata: [], incarnation: 1, status: .alive,
                protocolVersions: .serfCompatible)
        }
        let answer = h.node.answerPushPull(
            SWIM.PushPull(join: true, nodes: nodes), from: Harness.address(1), at: h.now, using: &h.rng)
        #expect(answer.reply.nodes.count == 1)
        #expect(h.node.clusterSize == 1)
        #expect(h.node.statistics.drops(.oversizedState) == 1)
    }

    @Test("a push-pull with incompatible protocol versions is refused")
    func incompatibleVersions() {
        var h = Harness()
        let old = SWIM.NodeState(
            name: "old", address: Harness.address(1), metadata: [], incarnation: 1, status: .alive,
            protocolVersions: SWIM.ProtocolVersions(
                protocolMin: 1, protocolMax: 1, protocolCurrent: 1, delegateMin: 2, delegateMax: 4, delegateCurrent: 4))
        _ = h.node.pushPullCompleted(
            SWIM.PushPull(join: true, nodes: [old]), from: Harness.address(1), at: h.now, using: &h.rng)
        #expect(h.node.member(named: "old") == nil)
        #expect(h.node.statistics.drops(.incompatibleProtocolVersions) == 1)
    }

    @Test("unexpected acks and nacks are counted")
    func strayAcks() {
        var h = Harness()
        h.receive(.ack(SWIM.Ack(sequenceNumber: 12345)))
        h.receive(.nack(SWIM.Nack(sequenceNumber: 12345)))
        #expect(h.node.statistics.drops(.unexpectedAck) == 2)
    }

    @Test("metadata over the limit is refused with an error naming the limit")
    func metadataTooLarge() {
        var h = Harness()
        #expect(throws: SWIM.InstanceError.metadataTooLarge(size: 600, limit: 512)) {
            _ = try h.node.updateMetadata(Array(repeating: 1, count: 600), at: h.now, using: &h.rng)
        }
        let effects = try? h.node.updateMetadata([1, 2], at: h.now, using: &h.rng)
        #expect(effects != nil)
        #expect(h.incarnation("self") == 2)
    }

    @Test("merged remote state: dead and suspect become suspect locally, left becomes left")
    func mergeRules() {
        var h = Harness()
        h.addPeers(4)
        func state(_ name: String, _ status: SWIM.Status, _ index: Int) -> SWIM.NodeState {
            SWIM.NodeState(
                name: name, address: Harness.address(index), metadata: [], incarnation: 1, status: status,
                protocolVersions: .serfCompatible)
        }
        let remote = SWIM.PushPull(
            join: false,
            nodes: [
                state("peer-1", .dead, 1), state("peer-2", .suspect, 2), state("peer-3", .left, 3),
                state("peer-5", .alive, 5),
            ])
        _ = h.node.pushPullCompleted(remote, from: Harness.address(5), at: h.now, using: &h.rng)
        #expect(h.status("peer-1") == .suspect)
        #expect(h.status("peer-2") == .suspect)
        #expect(h.status("peer-3") == .left)
        #expect(h.status("peer-5") == .alive)
    }
}
