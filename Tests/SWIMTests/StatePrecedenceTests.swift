import GossipCore
import SWIM
import Testing

/// Every precedence case of memberlist's `aliveNode`, `suspectNode`, `deadNode` and `refute` (spec 2.5).
@Suite("State precedence")
struct StatePrecedenceTests {
    @Test("an unknown name joins with an alive of incarnation ≥ 1; incarnation 0 is ignored")
    func aliveUnknown() {
        var h = Harness()
        h.receive(.alive(Harness.alive("zero", incarnation: 0, index: 2)))
        #expect(h.status("zero") == nil)
        let effects = h.receive(.alive(Harness.alive("one", incarnation: 1, index: 3)))
        #expect(h.status("one") == .alive)
        #expect(effects.events.contains { if case .joined(let m) = $0 { m.name == "one" } else { false } })
    }

    @Test("alive overrides only with a higher incarnation")
    func aliveIncarnation() {
        var h = Harness()
        h.addPeers(1)
        h.receive(.alive(Harness.alive("peer-1", incarnation: 1, index: 1, metadata: [1])))
        #expect(h.node.member(named: "peer-1")?.metadata == [], "same incarnation: ignored")
        let effects = h.receive(.alive(Harness.alive("peer-1", incarnation: 2, index: 1, metadata: [1])))
        #expect(h.node.member(named: "peer-1")?.metadata == [1])
        #expect(effects.events.contains { if case .updated = $0 { true } else { false } })
    }

    @Test("alive from a different address for a live name is a conflict and is dropped")
    func conflictingAddress() {
        var h = Harness()
        h.addPeers(1)
        h.receive(.alive(Harness.alive("peer-1", incarnation: 5, index: 9)))
        #expect(h.node.member(named: "peer-1")?.address == Harness.address(1))
        #expect(h.node.statistics.drops(.conflictingAddress) == 1)
    }

    @Test("a left member may come back at a new address")
    func leftMemberNewAddress() {
        var h = Harness()
        h.addPeers(1)
        h.receive(.dead(SWIM.Dead(incarnation: 1, node: "peer-1", from: "peer-1")))
        #expect(h.status("peer-1") == .left)
        h.receive(.alive(Harness.alive("peer-1", incarnation: 2, index: 9)))
        #expect(h.status("peer-1") == .alive)
        #expect(h.node.member(named: "peer-1")?.address == Harness.address(9))
    }

    @Test("suspect needs incarnation ≥ known and an alive member")
    func suspectRules() {
        var h = Harness()
        h.addPeers(1)
        h.receive(.alive(Harness.alive("peer-1", incarnation: 3, index: 1)))
        h.receive(.suspect(SWIM.Suspect(incarnation: 2, node: "peer-1", from: "peer-2")))
        #expect(h.status("peer-1") == .alive, "older incarnation: ignored")
        let effects = h.receive(.suspect(SWIM.Suspect(incarnation: 3, node: "peer-1", from: "peer-2")))
        #expect(h.status("peer-1") == .suspect)
        #expect(effects.events.contains { if case .suspected(_, by: "peer-2") = $0 { true } else { false } })
        h.receive(.dead(SWIM.Dead(incarnation: 3, node: "peer-1", from: "peer-2")))
        h.receive(.suspect(SWIM.Suspect(incarnation: 4, node: "peer-1", from: "peer-3")))
        #expect(h.status("peer-1") == .dead, "a dead member is not suspected again")
    }

    @Test("a suspect member becomes alive again with a higher incarnation, not the same one")
    func suspectRecovers() {
        var h = Harness()
        h.addPeers(1)
        h.receive(.suspect(SWIM.Suspect(incarnation: 1, node: "peer-1", from: "peer-2")))
        h.receive(.alive(Harness.alive("peer-1", incarnation: 1, index: 1)))
        #expect(h.status("peer-1") == .suspect)
        let effects = h.receive(.alive(Harness.alive("peer-1", incarnation: 2, index: 1)))
        #expect(h.status("peer-1") == .alive)
        #expect(effects.events.contains { if case .recovered = $0 { true } else { false } })
    }

    @Test("dead needs incarnation ≥ known and a member not already dead or left")
    func deadRules() {
        var h = Harness()
        h.addPeers(2)
        h.receive(.alive(Harness.alive("peer-1", incarnation: 4, index: 1)))
        h.receive(.dead(SWIM.Dead(incarnation: 3, node: "peer-1", from: "peer-2")))
        #expect(h.status("peer-1") == .alive)
        let effects = h.receive(.dead(SWIM.Dead(incarnation: 4, node: "peer-1", from: "peer-2")))
        #expect(h.status("peer-1") == .dead)
        #expect(effects.events.contains { if case .failed = $0 { true } else { false } })
        let again = h.receive(.dead(SWIM.Dead(incarnation: 9, node: "peer-1", from: "peer-1")))
        #expect(h.status("peer-1") == .dead, "dead stays dead; a later leave does not relabel it")
        #expect(again.events.isEmpty)
    }

    @Test("dead with From == Node is a graceful leave")
    func leave() {
        var h = Harness()
        h.addPeers(1)
        let effects = h.receive(.dead(SWIM.Dead(incarnation: 1, node: "peer-1", from: "peer-1")))
        #expect(h.status("peer-1") == .left)
        #expect(effects.events.contains { if case .left = $0 { true } else { false } })
        #expect(!effects.events.contains { if case .failed = $0 { true } else { false } })
        #expect(h.node.reconnectCandidateNames.isEmpty, "a member that left is not reconnected to")
    }

    @Test("a dead member returns with a higher incarnation and is a reconnect candidate until then")
    func deadReturns() {
        var h = Harness()
        h.addPeers(1)
        h.receive(.dead(SWIM.Dead(incarnation: 1, node: "peer-1", from: "peer-2")))
        #expect(h.node.reconnectCandidateNames == ["peer-1"])
        h.receive(.alive(Harness.alive("peer-1", incarnation: 1, index: 1)))
        #expect(h.status("peer-1") == .dead)
        let effects = h.receive(.alive(Harness.alive("peer-1", incarnation: 2, index: 1)))
        #expect(h.status("peer-1") == .alive)
        #expect(effects.events.contains { if case .joined = $0 { true } else { false } })
        #expect(h.node.reconnectCandidateNames.isEmpty)
    }

    @Test("a suspicion about this node is refuted with a higher incarnation and costs health")
    func refuteSuspect() {
        var h = Harness()
        h.addPeers(1)
        let effects = h.receive(.suspect(SWIM.Suspect(incarnation: 1, node: "self", from: "peer-1")))
        #expect(h.status("self") == .alive)
        #expect(h.incarnation("self") == 2)
        #expect(h.node.healthScore == 1)
        #expect(effects.events.contains { if case .refuted(incarnation: 2, _) = $0 { true } else { false } })
    }

    @Test("a death notice about this node for a higher incarnation is refuted past it")
    func refuteDeadHigher() {
        var h = Harness()
        h.addPeers(1)
        h.receive(.dead(SWIM.Dead(incarnation: 7, node: "self", from: "peer-1")))
        #expect(h.status("self") == .alive)
        #expect(h.incarnation("self") == 8)
    }

    @Test("an alive about this node with the same incarnation but other metadata is refuted")
    func refuteConflictingAlive() {
        var h = Harness()
        h.addPeers(1)
        h.receive(
            .alive(
                SWIM.Alive(
                    incarnation: 1, node: "self", address: Harness.address(0), metadata: [9],
                    protocolVersions: .serfCompatible)))
        #expect(h.incarnation("self") == 2)
        h.receive(
            .alive(
                SWIM.Alive(
                    incarnation: 2, node: "self", address: Harness.address(0), metadata: [],
                    protocolVersions: .serfCompatible)))
        #expect(h.incarnation("self") == 2, "an echo of our own alive is not refuted")
    }

    @Test("the suspicion timer declares the member dead at the Lifeguard deadline, not before")
    func suspicionExpiry() {
        var h = Harness()
        h.addPeers(4)  // n = 5: min 4 s, max 24 s, k = 2
        let effects = h.receive(.suspect(SWIM.Suspect(incarnation: 1, node: "peer-1", from: "peer-2")))
        let deadline = effects.armed(.suspicion(node: "peer-1"))
        #expect(deadline == h.now + .seconds(24))
        let confirmed = h.receive(.suspect(SWIM.Suspect(incarnation: 1, node: "peer-1", from: "peer-3")))
        #expect(confirmed.armed(.suspicion(node: "peer-1")) == h.now + .milliseconds(11_381))
        #expect(confirmed.sentMessages.isEmpty)
        h.advance(.seconds(11))
        _ = h.fire(.suspicion(node: "peer-1"))
        #expect(h.status("peer-1") == .suspect, "an early timer firing does nothing")
        h.advance(.milliseconds(381))
        let expired = h.fire(.suspicion(node: "peer-1"))
        #expect(h.status("peer-1") == .dead)
        #expect(expired.events.contains { if case .failed = $0 { true } else { false } })
    }
}

@Suite("Force-leave")
struct ForceLeaveTests {
    @Test("force-leave turns a dead member into a left one and stops reconnects; alive members are untouched")
    func forceLeave() {
        var h = Harness()
        h.addPeers(2)
        h.receive(.dead(SWIM.Dead(incarnation: 1, node: "peer-1", from: "peer-2")))
        #expect(h.node.reconnectCandidateNames == ["peer-1"])
        let result = h.node.forceLeave("peer-1", at: h.now, using: &h.rng)
        #expect(result.wasDead)
        #expect(result.effects.events.contains { if case .left = $0 { true } else { false } })
        #expect(h.status("peer-1") == .left)
        #expect(h.node.reconnectCandidateNames.isEmpty)
        #expect(!h.node.forceLeave("peer-2", at: h.now, using: &h.rng).wasDead)
        #expect(h.status("peer-2") == .alive)
        #expect(!h.node.forceLeave("nobody", at: h.now, using: &h.rng).wasDead)
    }
}
