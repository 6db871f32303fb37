import GossipCore
import GossipTestKit
import NodeCore
import SWIM
import Serf
import Testing

/// Network coordinates on full node cores: acks carry them, completed probes move them, bad payloads are dropped
/// and counted, and in a simulated cluster the estimates approach the real round trips.
@Suite("Network coordinates on the node core")
struct CoordinateTests {
    /// A core that knows one peer, `b`, and the ping it sent to probe it.
    static func probing() throws -> (core: NodeCore, ping: SWIM.Ping, peer: NodeAddress, rng: SeededRandom) {
        var rng = SeededRandom(seed: 5, stream: 0)
        let peer = NodeAddress(ip: .v4(0x7F00_0002), port: 7946)
        var core = try NodeCore(name: "a", address: NodeAddress(ip: .v4(0x7F00_0001), port: 7946))
        let member = SWIM.Member(
            name: "b", address: peer, metadata: try SerfTags.encode([:]), incarnation: 1, status: .alive,
            statusChangedAt: .zero, protocolVersions: core.membership.localMember.protocolVersions)
        _ = core.start(at: .zero, using: &rng)
        _ = core.bootstrap(members: [member], at: .zero, using: &rng)
        let effects = core.fire(.membership(.probe), at: .zero + .seconds(1), using: &rng)
        for case .send(let messages, _, _) in effects {
            for case .ping(let ping) in messages { return (core, ping, peer, rng) }
        }
        throw CoordinateTestError.noPing
    }

    enum CoordinateTestError: Error { case noPing }

    @Test("every ack carries this node's coordinate; an answered probe moves it and caches the peer's")
    func ackCarriesCoordinate() throws {
        var (core, ping, peer, rng) = try Self.probing()
        #expect(try SerfCoordinate(decoding: core.membership.ackPayload) == SerfCoordinate.origin)
        var theirs = SerfCoordinate.origin
        theirs.vector[0] = 0.002
        let ack = SWIM.Ack(sequenceNumber: ping.sequenceNumber, payload: theirs.encode())
        _ = core.receive([.ack(ack)], from: peer, at: .zero + .seconds(1) + .milliseconds(3), using: &rng)
        #expect(core.serf?.coordinateStatistics.updates == 1)
        #expect(core.serf?.coordinate(of: "b") == theirs)
        let ours = try SerfCoordinate(decoding: core.membership.ackPayload)
        #expect(ours != SerfCoordinate.origin)
        #expect(core.serf?.coordinate(of: "a") == ours)
    }

    @Test(
        "a wrong version, truncated msgpack, NaN or infinity, or another dimensionality is dropped and counted",
        arguments: ["version", "truncated", "nan", "infinity", "dimensions"])
    func malformedPayloads(_ kind: String) throws {
        var (core, ping, peer, rng) = try Self.probing()
        var bad = SerfCoordinate.origin
        var payload: [UInt8]
        switch kind {
        case "version": payload = [2] + bad.encode().dropFirst()
        case "truncated": payload = Array(bad.encode().prefix(50))
        case "nan":
            bad.vector[3] = .nan
            payload = bad.encode()
        case "infinity":
            bad.height = .infinity
            payload = bad.encode()
        default:
            bad.vector = [0.1, 0.2]
            payload = bad.encode()
        }
        let before = core.membership.ackPayload
        let ack = SWIM.Ack(sequenceNumber: ping.sequenceNumber, payload: payload)
        _ = core.receive([.ack(ack)], from: peer, at: .zero + .seconds(1) + .milliseconds(2), using: &rng)
        let statistics = try #require(core.serf?.coordinateStatistics)
        #expect(statistics.updates == 0)
        #expect(statistics.malformedPayloads + statistics.rejected == 1)
        #expect(core.membership.ackPayload == before)
        #expect(core.serf?.coordinate(of: "b") == nil)
        // The probe was answered all the same: the peer stays alive and the next probe goes out.
        #expect(core.membership.member(named: "b")?.status == .alive)
        let next = core.fire(.membership(.probe), at: .zero + .seconds(2), using: &rng)
        #expect(
            next.contains {
                if case .send(let messages, _, _) = $0 {
                    messages.contains { if case .ping = $0 { true } else { false } }
                } else {
                    false
                }
            })
    }

    @Test("with coordinates off, acks carry nothing and payloads are ignored")
    func disabled() throws {
        var configuration = NodeCore.Configuration()
        configuration.serf?.coordinates = nil
        let core = try NodeCore(
            name: "a", address: NodeAddress(ip: .v4(0x7F00_0001), port: 7946), configuration: configuration)
        #expect(core.membership.ackPayload.isEmpty)
        #expect(core.serf?.coordinate(of: "a") == nil)
    }

    @Test("30 nodes at known distances: after two minutes of probes the estimates are within a fifth of the truth")
    func estimatesConverge() async throws {
        let errors = await onComputeThread { () -> [Double] in
            // Nodes on a line, 1 ms apart one way (a round trip of 2 ms per step), plus a little jitter.
            let cluster = SimulatedCluster(
                size: 30, network: NetworkConditions(latency: .uniform(.microseconds(100), .microseconds(300))),
                seed: 3, serf: Serf.Configuration())
            cluster.startAllFormed()
            cluster.run(for: .seconds(120))
            var errors: [Double] = []
            for a in 0..<30 {
                for b in (a + 1)..<30 {
                    guard let ca = cluster.core(a).serf?.coordinate(of: cluster.name(ofNode: a)),
                        let cb = cluster.core(a).serf?.coordinate(of: cluster.name(ofNode: b)),
                        let estimate = SerfCoordinate.distance(ca, cb)
                    else { continue }
                    let truth = 0.0004
                    errors.append(abs(estimate.secondsValue - truth) / truth)
                }
            }
            return errors.sorted()
        }
        #expect(errors.count > 100)
        let median = errors[errors.count / 2]
        #expect(median < 0.2, "median relative error \(median)")
    }
}

extension Duration {
    fileprivate var secondsValue: Double {
        Double(components.seconds) + Double(components.attoseconds) / 1e18
    }
}
