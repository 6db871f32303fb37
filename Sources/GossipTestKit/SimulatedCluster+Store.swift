import GossipCore
import NodeCore
import Replication

/// The replicated store in the simulated cluster: commands, and its effects carried out on the simulated disk
/// and network.
extension SimulatedCluster {
    /// Node `index`'s store (`nil` when the cluster runs none).
    public func store(_ index: Int) -> Replication.Store? { cores[index].store }

    /// Node `index` writes `value` under `key`; returns the write's identifier (its outcome lands in
    /// ``acknowledgements`` once durable).
    @discardableResult
    public func put(node index: Int, _ key: String, _ value: [UInt8]) throws(Replication.StoreError) -> UInt64 {
        let (write, effects) = try cores[index].put(key, value, at: now)
        apply(effects, from: index)
        return write
    }

    /// Node `index` deletes `key`.
    @discardableResult
    public func delete(node index: Int, _ key: String) throws(Replication.StoreError) -> UInt64 {
        let (write, effects) = try cores[index].delete(key, at: now)
        apply(effects, from: index)
        return write
    }

    /// Node `index` adds `amount` to counter `name`.
    @discardableResult
    public func increment(node index: Int, _ name: String, by amount: Int64) throws(Replication.StoreError) -> UInt64 {
        let (write, effects) = try cores[index].increment(name, by: amount, at: now)
        apply(effects, from: index)
        return write
    }

    /// Node `index` sets its value of aggregate `name`.
    public func setAggregate(node index: Int, _ name: String, _ value: Double?) throws(Replication.StoreError) {
        apply(try cores[index].setAggregate(name, value, at: now), from: index)
    }

    /// Node `index` checks `rule` at the end of every aggregation epoch (alerts land in ``alerts``).
    public func addAlert(node index: Int, _ rule: Replication.AlertRule) throws(Replication.StoreError) {
        try cores[index].addAlert(rule)
    }

    /// Node `index` starts an anti-entropy exchange with node `peer`; its outcome lands in ``synchronizations``.
    @discardableResult
    public func synchronize(node index: Int, with peer: Int) throws(Replication.StoreError) -> UInt64? {
        let (session, effects) = try cores[index].synchronize(
            with: Replication.Store.Peer(name: names[peer], address: Self.address(ofNode: peer)), at: now,
            using: &generators[index])
        apply(effects, from: index)
        return session
    }

    /// What node `index`'s disk holds, replayed as a restarted store would read it.
    public func disk(ofNode index: Int) -> Replication.Replica {
        var replica = Replication.Replica(treeDepth: configuration.store?.treeDepth ?? 12)
        for item in disks.isEmpty ? [] : disks[index] { _ = replica.apply(item.key, item.entry) }
        return replica
    }

    /// Whether every running node's store holds the same data (the same Merkle root).
    public var storesAgree: Bool {
        let roots = runningNodes.compactMap { cores[$0].store?.replica.tree.root }
        return roots.allSatisfy { $0 == roots.first }
    }

    /// Carries out one of node `index`'s store effects.
    func apply(_ effect: Replication.Store.Effect, from index: Int) {
        switch effect {
        case .persist(let entries, let batch):
            scheduler.schedule(
                .persisted(node: index, epoch: epochs[index], batch: batch, entries: entries), at: now + persistLatency)
        case .exchange(let request, let peer, let session):
            openStoreStream(request, from: index, to: peer.address, session: session)
        case .push(let request, let peer):
            openStoreStream(request, from: index, to: peer.address, session: nil)
        case .changed(let changes):
            if recordsLog { storeChanges[index, default: []] += changes }
        case .acknowledged(let write, let result):
            acknowledgements[index, default: [:]][write] = result
        case .synchronized(let session, _, let result):
            synchronizations[index, default: [:]][session] = result
        case .alert(let rule, let firing, _):
            alerts.append((now, index, rule, firing))
        case .send, .arm, .maintained, .broadcast:
            break
        }
    }

    /// A request on a stream: it arrives after one latency unless a partition cuts it, when the initiator's
    /// exchange fails at its stream timeout.
    func openStoreStream(_ request: [UInt8], from index: Int, to address: NodeAddress, session: UInt64?) {
        traffic.streamsOpened += 1
        let epoch = epochs[index]
        guard let receiver = indexByAddress[address], group[index] == group[receiver] else {
            if let session { failStoreRequest(of: index, epoch: epoch, session: session) }
            return
        }
        deliverStream(.storeRequest(node: receiver, from: index, epoch: epoch, session: session, request: request))
    }

    /// The peer of an exchange is gone, frozen or cut off: the initiator gives up at its stream timeout.
    func failStoreRequest(of initiator: Int, epoch: Int, session: UInt64) {
        scheduler.schedule(
            .storeReply(node: initiator, epoch: epoch, session: session, reply: nil), at: now + settings.streamTimeout)
    }
}
