import GossipCore
import SWIM

/// Network coordinates in Serf's layer, as Serf's ping delegate keeps them: every ack this node sends carries its
/// coordinate (``ackPayload``), and every direct probe answered with a peer's coordinate updates this node's and
/// the cache of the peer's.
extension Serf.Layer {
    /// Counters of the coordinates heard.
    public struct CoordinateStatistics: Sendable, Hashable {
        /// Observations taken.
        public var updates = 0
        /// Ack payloads that were not a coordinate (wrong version, malformed), dropped.
        public var malformedPayloads = 0
        /// Observations the client refused (a NaN or infinite component, another dimensionality, a round trip
        /// outside 0…10 s).
        public var rejected = 0
    }

    /// What this node puts in every ack: its coordinate behind Serf's version byte, or nothing with coordinates
    /// off.
    public var ackPayload: [UInt8] { coordinateClient?.coordinate.encode() ?? [] }

    /// A direct probe of `member` was answered after `roundTrip` with `payload`; returns whether this node's
    /// coordinate moved (its ``ackPayload`` changed).
    public mutating func observePing(
        member: String, roundTrip: Duration, payload: [UInt8], using rng: inout some RandomNumberGenerator
    ) -> Bool {
        guard coordinateClient != nil, !payload.isEmpty else { return false }
        let other: SerfCoordinate
        do {
            other = try SerfCoordinate(decoding: payload)
        } catch {
            coordinateStatistics.malformedPayloads += 1
            return false
        }
        do {
            let updated = try coordinateClient!.update(node: member, other: other, roundTrip: roundTrip, using: &rng)
            coordinateStatistics.updates += 1
            coordinates[member] = other
            coordinates[name] = updated
            return true
        } catch {
            coordinateStatistics.rejected += 1
            return false
        }
    }

    /// The coordinate of `node` this node holds, if any (its own for its name).
    public func coordinate(of node: String) -> SerfCoordinate? { coordinates[node] }

    /// A reaped member's coordinate and round-trip samples are forgotten.
    mutating func forgetCoordinate(of node: String) {
        coordinates[node] = nil
        coordinateClient?.forget(node)
    }
}
