import GossipCore
import MemberlistWire
import NodeCore
import SWIM
import Serf

/// Serf's commands on a simulated node, for a cluster made with a Serf configuration.
extension SimulatedCluster {
    /// Node `index` sends a user event to the cluster (it delivers it first).
    ///
    /// - Throws: `Serf.CommandError` when the event is over Serf's size limit or the node runs no Serf layer.
    public func sendUserEvent(
        node index: Int, name: String, payload: [UInt8] = [], coalesce: Bool = false
    ) throws(Serf.CommandError) {
        let effects = try cores[index].sendUserEvent(
            name: name, payload: payload, coalesce: coalesce, at: now, using: &generators[index])
        apply(effects, from: index)
    }

    /// Node `index` asks the cluster a query; its answers collect in ``queryAnswers`` under the returned ID.
    ///
    /// - Throws: `Serf.CommandError` when the query is over Serf's size limit or the node runs no Serf layer.
    @discardableResult
    public func ask(node index: Int, _ request: Serf.QueryRequest) throws(Serf.CommandError) -> UInt32 {
        let (id, effects) = try cores[index].ask(request, at: now, using: &generators[index])
        queryAnswers[index, default: [:]][id] = []
        apply(effects, from: index)
        return id
    }

    /// Node `index` asks every member to carry out a key operation; the tally lands in ``keyOperationResults``.
    @discardableResult
    public func manageKeys(
        node index: Int, _ operation: Serf.KeyOperation, key: [UInt8] = []
    ) throws(Serf.CommandError) -> UInt32 {
        let (id, effects) = try cores[index].manageKeys(operation, key: key, at: now, using: &generators[index])
        apply(effects, from: index)
        return id
    }

    /// Node `index` force-leaves the member called `name`.
    public func forceLeave(node index: Int, _ name: String) {
        apply(cores[index].forceLeave(name, at: now, using: &generators[index]), from: index)
    }

    /// Node `index` sets and deletes tags, announcing them.
    public func updateTags(
        node index: Int, set: [String: String] = [:], delete: [String] = []
    ) throws(WireError) {
        apply(try cores[index].updateTags(set: set, delete: delete, at: now, using: &generators[index]), from: index)
    }

    /// How many times each node delivered each event (by name), from ``deliveries``.
    public var deliveryCounts: [Int: [String: Int]] {
        var counts: [Int: [String: Int]] = [:]
        for delivery in deliveries { counts[delivery.node, default: [:]][delivery.event.name, default: 0] += 1 }
        return counts
    }
}
