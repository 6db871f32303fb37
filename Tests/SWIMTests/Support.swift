import GossipCore
import SWIM

/// A one-node harness for rule tests: an instance named `self` that other names can be introduced to.
struct Harness {
    var node: SWIM.Instance
    var rng = SeededRandom(seed: 99)
    var now = Instant.zero + .seconds(1)

    init(settings: SWIM.Settings = .lan) {
        node = SWIM.Instance(name: "self", address: Harness.address(0), settings: settings)
        _ = node.start(at: now, using: &rng)
    }

    static func address(_ index: Int) -> NodeAddress {
        NodeAddress(ip: .v4(0x7F00_0001 + UInt32(index)), port: 7946)
    }

    static func alive(_ name: String, incarnation: UInt32, index: Int, metadata: [UInt8] = []) -> SWIM.Alive {
        SWIM.Alive(
            incarnation: incarnation, node: name, address: address(index), metadata: metadata,
            protocolVersions: .serfCompatible)
    }

    @discardableResult
    mutating func receive(_ message: SWIM.Message, from index: Int = 1) -> [SWIM.Effect] {
        node.receive(message, from: Harness.address(index), at: now, using: &rng)
    }

    /// Introduces `count` peers `peer-1`… alive at incarnation 1.
    mutating func addPeers(_ count: Int) {
        for index in 1...count {
            receive(.alive(Harness.alive("peer-\(index)", incarnation: 1, index: index)))
        }
    }

    func status(_ name: String) -> SWIM.Status? { node.member(named: name)?.status }
    func incarnation(_ name: String) -> UInt32? { node.member(named: name)?.incarnation }

    mutating func advance(_ duration: Duration) { now = now + duration }

    mutating func fire(_ timer: SWIM.Timer) -> [SWIM.Effect] {
        node.fire(timer, at: now, using: &rng)
    }
}

extension [SWIM.Effect] {
    var events: [SWIM.MembershipEvent] {
        compactMap { if case .event(let event) = $0 { event } else { nil } }
    }

    var sentMessages: [SWIM.Message] {
        flatMap { effect -> [SWIM.Message] in
            if case .send(let messages, _, _) = effect { messages } else { [] }
        }
    }

    func armed(_ timer: SWIM.Timer) -> Instant? {
        for effect in self {
            if case .arm(let armed, let instant) = effect, armed == timer { return instant }
        }
        return nil
    }
}
