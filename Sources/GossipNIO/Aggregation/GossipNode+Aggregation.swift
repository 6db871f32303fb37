import Dissemination
import Foundation
import MemberlistWire
import NodeCore
import SWIM
import Serf

/// The aggregates of the node's cluster: every replicating node may set a value under a name, and every node
/// reads the cluster-wide average, sum, count, minimum and maximum (push-sum in epochs, see
/// `Dissemination.EpochAggregate`).
extension GossipNode {
    /// Sets this node's value of aggregate `name` (or clears it with `nil`); it counts from the next epoch.
    public func setAggregate(_ name: String, _ value: Double?) throws(KeyValueError) {
        guard configuration.replication != nil else {
            throw KeyValueError("this node does not replicate (no replication configuration)")
        }
        guard !name.isEmpty, name.utf8.count <= AggregateShareCodec.maximumNameBytes else {
            throw KeyValueError("an aggregate name has 1 to \(AggregateShareCodec.maximumNameBytes) bytes")
        }
        if let value, !value.isFinite { throw KeyValueError("an aggregate value must be a finite number") }
        aggregates.table[name, default: Dissemination.EpochAggregate(epoch: aggregationEpoch, localValue: nil)]
            .setLocalValue(value)
    }

    /// The cluster-wide reading of aggregate `name`, or `nil` if this node has not heard of it.
    public func aggregate(_ name: String) -> AggregateReading? {
        guard var aggregate = aggregates.table[name] else { return nil }
        aggregate.advance(to: aggregationEpoch)
        let complete = aggregate.lastEstimate != nil
        let estimate = aggregate.lastEstimate ?? aggregate.current
        let members = replicationPeers.count + 1
        return AggregateReading(
            name: name, epoch: estimate.epoch, complete: complete, average: estimate.average,
            sum: estimate.sum(members: members), count: estimate.count(members: members), minimum: estimate.minimum,
            maximum: estimate.maximum, errorBound: estimate.spread, rounds: estimate.rounds, members: members,
            localValue: aggregate.localValue)
    }

    /// The names of the aggregates this node knows.
    public var aggregateNames: [String] { aggregates.table.keys.sorted() }

    /// Checks `rule` at the end of every epoch from now on, raising the local user events `alert` and
    /// `alert-resolved` (seen by ``subscribeUserEvents()``, `gossip stream` and event handlers) when it starts
    /// and stops holding.
    public func addAlert(_ rule: AlertRule) {
        aggregates.alerts.append((rule, false))
    }

    /// The current epoch, from the wall clock: nodes agree on it as far as their clocks agree.
    var aggregationEpoch: UInt64 {
        guard let replication = configuration.replication else { return 0 }
        let length = replication.aggregationInterval * replication.aggregationRoundsPerEpoch
        let milliseconds = max(1, length.nanoseconds / 1_000_000)
        return wallMilliseconds / UInt64(milliseconds)
    }

    /// One push-sum round of every aggregate: half of each mass to one random replicating peer.
    func aggregationRound() {
        guard isRunning, !aggregates.table.isEmpty else { return }
        let epoch = aggregationEpoch
        let peers = replicationPeers
        for name in aggregates.table.keys.sorted() {
            guard var aggregate = aggregates.table[name] else { continue }
            let previous = aggregate.epoch
            aggregate.advance(to: epoch)
            if aggregate.epoch != previous { checkAlerts(name, aggregate) }
            if let peer = peers.randomElement(using: &rng) {
                let share = aggregate.split()
                let payload = ReplicationPayload.wrap(
                    ReplicationPayload.aggregate, AggregateShareCodec.encode(name: name, share: share))
                send([.user(payload)], to: peer.address, destination: peer.name)
            }
            aggregates.table[name] = aggregate
        }
    }

    func receiveAggregateShare(_ payload: [UInt8]) {
        guard let (name, share) = AggregateShareCodec.decode(payload.dropFirst()) else {
            replicationCounters.malformedMessages += 1
            countDrop(.invalidField(name: "aggregate", reason: "a malformed share"))
            return
        }
        // An aggregate heard of for the first time is relayed from now on; at most a few thousand are kept.
        guard aggregates.table[name] != nil || aggregates.table.count < AggregateTable.capacity else { return }
        var aggregate =
            aggregates.table[name] ?? Dissemination.EpochAggregate(epoch: aggregationEpoch, localValue: nil)
        let previous = aggregate.epoch
        aggregate.absorb(share)
        if aggregate.epoch != previous { checkAlerts(name, aggregate) }
        aggregates.table[name] = aggregate
    }

    private func checkAlerts(_ name: String, _ aggregate: Dissemination.EpochAggregate) {
        guard !aggregates.alerts.isEmpty, aggregate.lastEstimate != nil, let reading = self.aggregate(name) else {
            return
        }
        for index in aggregates.alerts.indices where aggregates.alerts[index].rule.name == name {
            let rule = aggregates.alerts[index].rule
            let holds = rule.holds(for: reading)
            guard holds != aggregates.alerts[index].firing else { continue }
            aggregates.alerts[index].firing = holds
            let quantity = rule.quantity(of: reading).map { String($0) } ?? "unknown"
            let event = SerfMessage.UserEvent(
                lamportTime: 0, name: holds ? "alert" : "alert-resolved",
                payload: Array("\(rule): \(quantity)".utf8), coalesce: false)
            logger.warning(
                "\(event.name)", metadata: ["gossip.rule": "\(rule)", "gossip.value": "\(quantity)"])
            deliverLocally(event)
        }
    }
}

/// The aggregates a node takes part in, and its alert rules with whether each is firing.
struct AggregateTable {
    /// The most aggregates a node relays.
    static let capacity = 4_096
    var table: [String: Dissemination.EpochAggregate] = [:]
    var alerts: [(rule: AlertRule, firing: Bool)] = []
}
