import MemberlistWire
import Serf

/// Network coordinates on the node: what `get-coordinate` and `stats` show.
extension GossipNode {
    /// The coordinate this node holds for `node` (its own for its name): the latest one the member sent in an
    /// ack, until it is reaped; `nil` when it has none or coordinates are off.
    public func coordinate(of node: String) -> SerfCoordinate? { core?.serf?.coordinate(of: node) }

    /// The estimated round-trip time between two members, from the coordinates this node holds.
    public func estimatedRoundTrip(from first: String, to second: String) -> Duration? {
        guard let a = coordinate(of: first), let b = coordinate(of: second) else { return nil }
        return SerfCoordinate.distance(a, b)
    }

    /// `get-coordinate`'s body, as Serf's agent answers it: the coordinate and `Ok`, or a zero coordinate and
    /// `Ok: false` when there is none.
    static func rpcCoordinate(_ coordinate: SerfCoordinate?) -> MessagePackValue {
        guard let coordinate else {
            let zero = MessagePackValue.map([
                (.string("Adjustment"), .double(0)), (.string("Error"), .double(0)), (.string("Height"), .double(0)),
                (.string("Vec"), .nil),
            ])
            return .map([(.string("Coord"), zero), (.string("Ok"), .bool(false))])
        }
        let value = MessagePackValue.map([
            (.string("Adjustment"), .double(coordinate.adjustment)), (.string("Error"), .double(coordinate.error)),
            (.string("Height"), .double(coordinate.height)),
            (.string("Vec"), .array(coordinate.vector.map { .double($0) })),
        ])
        return .map([(.string("Coord"), value), (.string("Ok"), .bool(true))])
    }

    /// The `coordinate` section of `stats`.
    func coordinateSection() -> [(String, String)] {
        guard let serf = core?.serf, let client = serf.coordinateClient else { return [("enabled", "false")] }
        let statistics = serf.coordinateStatistics
        return [
            ("enabled", "true"), ("error", "\(client.coordinate.error)"),
            ("adjustment", "\(client.coordinate.adjustment)"), ("height", "\(client.coordinate.height)"),
            ("updates", "\(statistics.updates)"), ("resets", "\(client.resets)"),
            ("malformed_payloads", "\(statistics.malformedPayloads)"), ("rejected", "\(statistics.rejected)"),
            ("cached", "\(serf.coordinates.count)"),
        ]
    }
}

extension GossipNode {
    /// Counters of the coordinates this node heard (`nil` with coordinates off or before start).
    public var coordinateStatistics: Serf.Layer.CoordinateStatistics? {
        guard core?.serf?.coordinateClient != nil else { return nil }
        return core?.serf?.coordinateStatistics
    }
}
