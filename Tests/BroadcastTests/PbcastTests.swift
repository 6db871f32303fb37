import Broadcast
import GossipCore
import Testing

/// Bimodal Multicast's state machine: the multicast delivers once; a digest brings a solicitation for what the
/// receiver lacks and a retransmission of it; old messages leave the digests; malformed lists are dropped.
@Suite("Bimodal Multicast (pbcast)")
struct PbcastTests {
    typealias Node = Broadcast.Pbcast<String>

    static func node(_ name: String, members: [String] = ["a", "b", "c"], retention: Int = 10) -> Node {
        var configuration = Node.Configuration()
        configuration.retentionRounds = retention
        configuration.identityRounds = retention + 2
        var node = Node(me: name, configuration: configuration)
        node.setMembers(members)
        return node
    }

    @Test("a multicast is delivered at once and sent to every other member; a second copy is not delivered")
    func multicast() {
        var a = Self.node("a")
        var b = Self.node("b")
        let (id, effects) = a.multicast([7])
        #expect(effects.contains(.deliver(id, payload: [7])))
        let sent = effects.compactMap { effect -> String? in
            if case .send(.data(id, [7]), let peer) = effect { return peer }
            return nil
        }
        #expect(sent.sorted() == ["b", "c"])
        #expect(b.receive(.data(id, payload: [7]), from: "a") == [.deliver(id, payload: [7])])
        #expect(b.receive(.data(id, payload: [7]), from: "c").isEmpty)
        #expect(b.statistics.delivered == 1 && b.statistics.repaired == 0)
    }

    @Test("a lost multicast is repaired: digest, solicitation, retransmission, delivery")
    func repair() {
        var a = Self.node("a", members: ["a", "b"])
        var b = Self.node("b", members: ["a", "b"])
        var random = SeededRandom(seed: 3)
        let (id, _) = a.multicast([1, 2])  // the copy to b is lost
        let round = a.gossipRound(using: &random)
        #expect(round == [.send(.digest([id]), to: "b")])
        let solicitation = b.receive(.digest([id]), from: "a")
        #expect(solicitation == [.send(.solicit([id]), to: "a")])
        let retransmission = a.receive(.solicit([id]), from: "b")
        #expect(retransmission == [.send(.data(id, payload: [1, 2]), to: "b")])
        #expect(b.receive(.data(id, payload: [1, 2]), from: "a") == [.deliver(id, payload: [1, 2])])
        #expect(b.statistics.repaired == 1)
        // b holds it now: a digest of it brings no solicitation.
        #expect(b.receive(.digest([id]), from: "a").isEmpty)
    }

    @Test("a message leaves the digests after its retention; a member that never held messages sends none")
    func retention() {
        var a = Self.node("a", members: ["a", "b"], retention: 3)
        var quiet = Self.node("c", members: ["a", "c"])
        var random = SeededRandom(seed: 1)
        let (id, _) = a.multicast([1])
        var digests = 0
        for _ in 0..<6 {
            for case .send(.digest(let ids), _) in a.gossipRound(using: &random) where ids.contains(id) { digests += 1 }
        }
        #expect(digests == 3)
        #expect(a.receive(.solicit([id]), from: "b").isEmpty, "forgotten: nothing to retransmit")
        #expect(quiet.gossipRound(using: &random).isEmpty)
    }

    @Test("lists over the limit and messages from itself are dropped and counted")
    func badInput() {
        var a = Self.node("a")
        let many = (0..<5_000).map { Node.MessageID(origin: "b", sequence: UInt64($0)) }
        #expect(a.receive(.digest(many), from: "b").isEmpty)
        #expect(a.receive(.solicit(many), from: "b").isEmpty)
        #expect(a.receive(.digest([]), from: "a").isEmpty)
        #expect(a.statistics.dropped == 3)
    }
}
