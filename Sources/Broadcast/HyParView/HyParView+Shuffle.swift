import GossipCore

extension Broadcast.HyParView {
    /// The periodic shuffle: this node, kₐ neighbours and kₚ passive peers walk from a random neighbour; the node
    /// where the walk ends answers with as many of its passive peers, and both keep what they learnt.
    mutating func shuffle(using rng: inout some RandomNumberGenerator) {
        refusedBy = []
        guard !activeView.isEmpty else { return }
        statistics.shuffles += 1
        var sample = [me]
        sample += activeView.randomSample(configuration.shuffleActive, using: &rng)
        sample += passiveView.randomSample(configuration.shufflePassive, using: &rng)
        let target = activeView[Int.random(in: 0..<activeView.count, using: &rng)]
        effects.append(.send(.shuffle(origin: me, ttl: configuration.shuffleWalkLength, sample: sample), to: target))
    }

    /// A shuffle on its walk: passed on while it has length left and somewhere to go, answered otherwise.
    mutating func receiveShuffle(
        origin: Peer, ttl: Int, sample: [Peer], from sender: Peer, using rng: inout some RandomNumberGenerator
    ) {
        let limit = 1 + configuration.shuffleActive + configuration.shufflePassive
        guard origin != me, ttl >= 0, ttl <= configuration.shuffleWalkLength, sample.count <= limit else {
            statistics.dropped += 1
            return
        }
        let onward = activeView.count { $0 != sender && $0 != origin }
        if ttl > 1, onward > 0 {
            let next = activeView.element(Int.random(in: 0..<onward, using: &rng)) { $0 != sender && $0 != origin }
            effects.append(.send(.shuffle(origin: origin, ttl: ttl - 1, sample: sample), to: next))
            return
        }
        let reply = passiveView.randomSample(sample.count, using: &rng)
        effects.append(.send(.shuffleReply(sample: reply), to: origin))
        integrate(sample, using: &rng)
    }

    /// Keeps the peers of a shuffle's sample in the passive view (replacing random ones when it is full).
    mutating func integrate(_ sample: [Peer], using rng: inout some RandomNumberGenerator) {
        guard sample.count <= 1 + configuration.shuffleActive + configuration.shufflePassive else {
            statistics.dropped += 1
            return
        }
        for peer in sample { addToPassive(peer, using: &rng) }
    }
}

extension Array {
    /// The element at `position` (counted from 0) among those that satisfy `isIncluded`, of which there must be
    /// more than `position`: a random choice among them without building the filtered array.
    func element(_ position: Int, where isIncluded: (Element) -> Bool) -> Element {
        var remaining = position
        for element in self where isIncluded(element) {
            if remaining == 0 { return element }
            remaining -= 1
        }
        preconditionFailure("element(_:where:) past the last match")
    }

    /// Up to `count` distinct elements, chosen at random.
    func randomSample(_ count: Int, using rng: inout some RandomNumberGenerator) -> [Element] {
        guard count < self.count else { return self }
        var pool = self
        for index in 0..<count { pool.swapAt(index, Int.random(in: index..<pool.count, using: &rng)) }
        return Array(pool.prefix(count))
    }
}
