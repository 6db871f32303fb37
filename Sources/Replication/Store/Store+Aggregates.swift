import Dissemination
import GossipCore

extension Replication.Store {
    /// The most aggregates a store relays.
    public static let aggregateCapacity = 4_096

    /// Sets this node's value of aggregate `name` (or clears it with `nil`); it counts from the next epoch. The
    /// effects arm the aggregation round if it is not running yet.
    public mutating func setAggregate(_ name: String, _ value: Double?, at now: Instant) throws(Replication.StoreError)
        -> [Effect]
    {
        guard !name.isEmpty, name.utf8.count <= Replication.AggregateShareCodec.maximumNameBytes else {
            throw Replication.StoreError(
                "an aggregate name has 1 to \(Replication.AggregateShareCodec.maximumNameBytes) bytes")
        }
        if let value, !value.isFinite { throw Replication.StoreError("an aggregate value must be a finite number") }
        let epoch = epoch(at: now)
        aggregates[name, default: Dissemination.EpochAggregate(epoch: epoch, localValue: nil)].setLocalValue(value)
        return takeEffects(at: now)
    }

    /// The cluster-wide reading of aggregate `name` at `now`, or `nil` if this store has not heard of it.
    public func aggregate(_ name: String, at now: Instant) -> Replication.AggregateReading? {
        guard var aggregate = aggregates[name] else { return nil }
        aggregate.advance(to: epoch(at: now))
        let complete = aggregate.lastEstimate != nil
        let estimate = aggregate.lastEstimate ?? aggregate.current
        let members = peerNames.count + 1
        return Replication.AggregateReading(
            name: name, epoch: estimate.epoch, complete: complete, average: estimate.average,
            sum: estimate.sum(members: members), count: estimate.count(members: members), minimum: estimate.minimum,
            maximum: estimate.maximum, errorBound: estimate.spread, rounds: estimate.rounds, members: members,
            localValue: aggregate.localValue)
    }

    /// The names of the aggregates this store knows, sorted.
    public var aggregateNames: [String] { aggregates.keys.sorted() }

    /// Checks `rule` at the end of every epoch from now on: ``Effect/alert(_:firing:quantity:)`` when it starts
    /// and when it stops holding.
    public mutating func addAlert(_ rule: Replication.AlertRule) {
        alerts.append((rule, false))
    }

    /// The alert rules in the order they were added, each with whether it held at the end of the last epoch.
    public var alertStates: [(rule: Replication.AlertRule, firing: Bool)] { alerts }

    /// The current epoch, from the wall clock: nodes agree on it as far as their clocks agree.
    func epoch(at now: Instant) -> UInt64 {
        let length = configuration.aggregationInterval * configuration.aggregationRoundsPerEpoch
        let milliseconds = max(1, length.nanoseconds / 1_000_000)
        return wallMilliseconds(at: now) / UInt64(milliseconds)
    }

    /// One push-sum round of every aggregate: half of each mass to one random replicating peer.
    mutating func aggregationRound(at now: Instant, using rng: inout some RandomNumberGenerator) {
        guard !aggregates.isEmpty else { return }
        let epoch = epoch(at: now)
        for name in aggregates.keys.sorted() {
            guard var aggregate = aggregates[name] else { continue }
            let previous = aggregate.epoch
            aggregate.advance(to: epoch)
            if let peer = randomPeers(1, using: &rng).first {
                let share = aggregate.split()
                let payload = ReplicationPayload.wrap(
                    ReplicationPayload.aggregate, Replication.AggregateShareCodec.encode(name: name, share: share))
                effects.append(.send(payload, to: peer))
            }
            aggregates[name] = aggregate
            if aggregate.epoch != previous { checkAlerts(name, at: now) }
        }
    }

    mutating func receiveShare(_ payload: [UInt8], at now: Instant) {
        guard let (name, share) = Replication.AggregateShareCodec.decode(payload.dropFirst()) else {
            statistics.malformedMessages += 1
            return
        }
        // An aggregate heard of for the first time is relayed from now on; at most a few thousand are kept.
        guard aggregates[name] != nil || aggregates.count < Self.aggregateCapacity else { return }
        var aggregate = aggregates[name] ?? Dissemination.EpochAggregate(epoch: epoch(at: now), localValue: nil)
        let previous = aggregate.epoch
        aggregate.absorb(share)
        aggregates[name] = aggregate
        if aggregate.epoch != previous { checkAlerts(name, at: now) }
    }

    private mutating func checkAlerts(_ name: String, at now: Instant) {
        guard !alerts.isEmpty, aggregates[name]?.lastEstimate != nil, let reading = aggregate(name, at: now) else {
            return
        }
        for index in alerts.indices where alerts[index].rule.name == name {
            let rule = alerts[index].rule
            let holds = rule.holds(for: reading)
            guard holds != alerts[index].firing else { continue }
            alerts[index].firing = holds
            effects.append(.alert(rule, firing: holds, quantity: rule.quantity(of: reading)))
        }
    }

    // MARK: - Maintenance

    /// Tombstones no newer than this are expired.
    func tombstoneHorizon(at now: Instant) -> Replication.Timestamp {
        let milliseconds = UInt64(clamping: configuration.tombstoneHorizon.nanoseconds / 1_000_000)
        let wall = wallMilliseconds(at: now)
        return Replication.Timestamp(milliseconds: wall > milliseconds ? wall - milliseconds : 0)
    }

    /// Drops expired tombstones, then offers the shell its log's compaction (``Effect/maintained(liveBytes:tombstonesDropped:)``);
    /// runs every ``Configuration/maintenanceInterval``, and may be called at any time.
    public mutating func maintain(at now: Instant) -> [Effect] {
        dropExpiredTombstones(at: now)
        return takeEffects(at: now)
    }

    mutating func dropExpiredTombstones(at now: Instant) {
        let horizon = tombstoneHorizon(at: now)
        let expired = replica.map.entries.filter { $0.value.value == nil && $0.value.timestamp <= horizon }
        let dropped = replica.collectTombstones(olderThan: horizon)
        for (key, entry) in expired where replica.map.entries[key] == nil { account(key, old: entry, new: nil) }
        effects.append(.maintained(liveBytes: liveRecordBytes, tombstonesDropped: dropped))
    }
}
