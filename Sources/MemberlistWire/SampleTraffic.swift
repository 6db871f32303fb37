import GossipCore
import SWIM

/// Representative traffic for benchmarks and examples, so that every measurement of the wire format uses the
/// same packet.
public enum SampleTraffic {
    /// A typical gossip packet: a ping plus four alive and two suspect broadcasts with Serf-style tags, about
    /// 900 bytes once encoded.
    public static func typicalGossipPacket() -> [SWIM.Message] {
        let metadata: [UInt8] =
            [0xFF, 0x82, 0xA4] + Array("role".utf8) + [0xA3] + Array("web".utf8) + [0xA2]
            + Array("dc".utf8) + [0xA6] + Array("eu-1-a".utf8)
        var messages: [SWIM.Message] = [
            .ping(
                SWIM.Ping(
                    target: "web-017", sequenceNumber: 4242, source: NodeAddress("10.1.2.3:7946"),
                    sourceNode: "web-001"))
        ]
        for index in 0..<6 {
            let name = "web-\(100 + index)"
            let address = NodeAddress(ip: .v4(0x0A01_0200 + UInt32(index)), port: 7946)
            if index % 3 == 2 {
                messages.append(.suspect(SWIM.Suspect(incarnation: UInt32(index), node: name, from: "web-001")))
            } else {
                messages.append(
                    .alive(
                        SWIM.Alive(
                            incarnation: UInt32(7 + index), node: name, address: address,
                            metadata: metadata + Array(repeating: 0x61, count: 90),
                            protocolVersions: .serfCompatible)))
            }
        }
        return messages
    }
}
