import GossipCore
import SWIM
import Testing

@Suite("Probe cycle")
struct ProbeTests {
    /// Starts the next probe and returns the ping sent and its target.
    static func startProbe(_ h: inout Harness) -> (SWIM.Ping, [SWIM.Effect]) {
        let effects = h.fire(.probe)
        for message in effects.sentMessages {
            if case .ping(let ping) = message { return (ping, effects) }
        }
        Issue.record("no ping sent")
        return (SWIM.Ping(target: "", sequenceNumber: 0, source: nil, sourceNode: ""), effects)
    }

    @Test("a direct ack ends the probe and improves health")
    func directAck() {
        var h = Harness()
        h.addPeers(4)
        h.receive(.suspect(SWIM.Suspect(incarnation: 1, node: "self", from: "peer-1")))  // health 1
        let (ping, effects) = Self.startProbe(&h)
        #expect(effects.armed(.probeTimeout(sequenceNumber: ping.sequenceNumber)) == h.now + .milliseconds(500))
        #expect(
            effects.armed(.probeDeadline(sequenceNumber: ping.sequenceNumber)) == h.now + .seconds(2),
            "the probe window is scaled by health score + 1")
        h.advance(.milliseconds(3))
        let acked = h.receive(.ack(SWIM.Ack(sequenceNumber: ping.sequenceNumber)))
        #expect(h.node.healthScore == 0)
        #expect(acked.armed(.probe) != nil)
    }

    @Test("probes walk every member once per round")
    func roundRobin() {
        var h = Harness()
        h.addPeers(5)
        var targets: [String] = []
        for _ in 0..<5 {
            let (ping, _) = Self.startProbe(&h)
            targets.append(ping.target)
            h.receive(.ack(SWIM.Ack(sequenceNumber: ping.sequenceNumber)))
        }
        #expect(Set(targets) == Set((1...5).map { "peer-\($0)" }))
    }

    @Test("no direct ack: indirect pings with nack request, a stream ping, then suspicion at the deadline")
    func indirectAndSuspect() {
        var h = Harness()
        h.addPeers(5)
        let (ping, _) = Self.startProbe(&h)
        h.advance(.milliseconds(500))
        let timedOut = h.fire(.probeTimeout(sequenceNumber: ping.sequenceNumber))
        let requests = timedOut.sentMessages.compactMap { if case .indirectPing(let r) = $0 { r } else { nil } }
        #expect(requests.count == 3)
        #expect(requests.allSatisfy { $0.wantsNack && $0.target == ping.target })
        let streamPings = timedOut.filter { if case .streamPing = $0 { true } else { false } }
        #expect(streamPings.count == 1)
        // Two of the three relays answer with a nack: one missing nack raises health by 1.
        h.receive(.nack(SWIM.Nack(sequenceNumber: ping.sequenceNumber)))
        h.receive(.nack(SWIM.Nack(sequenceNumber: ping.sequenceNumber)))
        h.advance(.milliseconds(500))
        let deadline = h.fire(.probeDeadline(sequenceNumber: ping.sequenceNumber))
        #expect(deadline.events.isEmpty, "waits for the stream ping")
        let concluded = h.node.streamPingCompleted(
            sequenceNumber: ping.sequenceNumber, acknowledged: false, at: h.now, using: &h.rng)
        #expect(h.status(ping.target) == .suspect)
        #expect(h.node.healthScore == 1)
        #expect(concluded.events.contains { if case .suspected(_, by: "self") = $0 { true } else { false } })
    }

    @Test("a stream ping that gets through keeps the target alive")
    func streamPingSaves() {
        var h = Harness()
        h.addPeers(3)
        let (ping, _) = Self.startProbe(&h)
        h.advance(.milliseconds(500))
        _ = h.fire(.probeTimeout(sequenceNumber: ping.sequenceNumber))
        _ = h.node.streamPingCompleted(
            sequenceNumber: ping.sequenceNumber, acknowledged: true, at: h.now, using: &h.rng)
        h.advance(.milliseconds(500))
        _ = h.fire(.probeDeadline(sequenceNumber: ping.sequenceNumber))
        #expect(h.status(ping.target) == .alive)
        #expect(h.node.statistics.streamPingOnlySuccesses == 1)
    }

    @Test("a relay pings the target and forwards the ack, or sends a nack on timeout")
    func relay() {
        var h = Harness()
        h.addPeers(2)
        let request = SWIM.IndirectPing(
            wantsNack: true, target: "peer-2", targetAddress: Harness.address(2), sequenceNumber: 77,
            source: Harness.address(1), sourceNode: "peer-1")
        let effects = h.receive(.indirectPing(request))
        guard case .ping(let relayed)? = effects.sentMessages.first else {
            Issue.record("the relay sent no ping")
            return
        }
        h.receive(.ack(SWIM.Ack(sequenceNumber: relayed.sequenceNumber)), from: 2)
        // A second request that times out.
        let second = h.receive(
            .indirectPing(
                SWIM.IndirectPing(
                    wantsNack: true, target: "peer-2", targetAddress: Harness.address(2), sequenceNumber: 78,
                    source: Harness.address(1), sourceNode: "peer-1")))
        guard case .ping(let secondPing)? = second.sentMessages.first else { return }
        h.advance(.milliseconds(500))
        let timeout = h.fire(.relayTimeout(sequenceNumber: secondPing.sequenceNumber))
        #expect(timeout.sentMessages.first == .nack(SWIM.Nack(sequenceNumber: 78)))
        let late = h.fire(.relayTimeout(sequenceNumber: relayed.sequenceNumber))
        #expect(late.sentMessages.isEmpty, "an answered relay sends no nack")
    }

    @Test("a ping is answered with an ack to the requested source address, carrying the ack payload")
    func answerPing() {
        var h = Harness()
        h.node.ackPayload = [1, 2, 3]
        let effects = h.receive(
            .ping(
                SWIM.Ping(
                    target: "self", sequenceNumber: 5, source: Harness.address(7), sourceNode: "peer-7")), from: 3)
        guard case .send(let messages, let address, _)? = effects.first else {
            Issue.record("no ack")
            return
        }
        #expect(address == Harness.address(7))
        #expect(messages.first == .ack(SWIM.Ack(sequenceNumber: 5, payload: [1, 2, 3])))
        let other = h.receive(.ping(SWIM.Ping(target: "someone-else", sequenceNumber: 6, source: nil, sourceNode: "")))
        #expect(other.isEmpty)
        #expect(h.node.statistics.drops(.pingForAnotherNode) == 1)
    }

    @Test("a ping to a suspect member carries the suspicion so it can refute")
    func pingCarriesSuspect() {
        var h = Harness()
        h.addPeers(1)
        h.receive(.suspect(SWIM.Suspect(incarnation: 1, node: "peer-1", from: "peer-9")))
        let effects = h.fire(.probe)
        #expect(effects.sentMessages.contains { if case .suspect(let s) = $0 { s.node == "peer-1" } else { false } })
    }

    @Test("every outgoing packet stays within the 1400-byte budget with piggybacked gossip")
    func piggybackBudget() {
        var h = Harness()
        let metadata = [UInt8](repeating: 7, count: 300)
        for index in 1...30 {
            h.receive(.alive(Harness.alive("peer-\(index)", incarnation: 1, index: index, metadata: metadata)))
        }
        let sizing = SWIM.MessagePackSizing()
        let effects = h.fire(.gossip)
        var packets = 0
        for effect in effects {
            guard case .send(let messages, _, _) = effect else { continue }
            packets += 1
            let size = messages.reduce(0) { $0 + sizing.encodedSize(of: $1) } + 2 + 2 * messages.count
            #expect(size <= 1400)
            #expect(messages.count >= 2)
        }
        #expect(packets == 3, "GossipNodes packets per tick")
    }
}

@Suite("Bootstrapping a member list")
struct BootstrapTests {
    @Test("bootstrap adds unknown members without broadcasting, skips known names and reports joins")
    func bootstrap() {
        var rng = SeededRandom(seed: 1)
        var node = SWIM.Instance(name: "a", address: NodeAddress("10.0.0.1:7946")!, settings: .lan)
        _ = node.start(at: .zero, using: &rng)
        let members = ["a", "b", "c", "d"].enumerated().map { index, name in
            SWIM.Member(
                name: name, address: NodeAddress("10.0.0.\(index + 1):7946")!, incarnation: 1, status: .alive,
                statusChangedAt: .zero)
        }
        let queuedBefore = node.pendingBroadcasts
        let effects = node.bootstrap(members: members, at: .zero, using: &rng)
        let joined = effects.filter { if case .event(.joined) = $0 { return true } else { return false } }
        #expect(joined.count == 3)
        #expect(node.aliveCount == 4)
        #expect(node.members.map(\.name) == ["a", "b", "c", "d"])
        #expect(node.pendingBroadcasts == queuedBefore)
        let again = node.bootstrap(members: members, at: .zero, using: &rng)
        #expect(again.isEmpty)
    }
}
