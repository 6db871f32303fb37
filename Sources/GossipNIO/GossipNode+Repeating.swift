/// The node's periodic work (snapshot flushes, reaping, replication rounds), each a task it cancels on stop.
extension GossipNode {
    /// A task that runs `body` every `interval` (with up to half an interval of random delay first when
    /// `jittered`, so that nodes started together do not exchange in step) until the node stops.
    func repeating(
        every interval: Duration, jittered: Bool = false,
        _ body: @escaping @Sendable (GossipNode) async -> Void
    ) -> Task<Void, Never> {
        let delay = jittered ? interval * Double.random(in: 0..<0.5, using: &rng) : .zero
        return Task { [weak self] in
            try? await Task.sleep(for: delay)
            while !Task.isCancelled {
                try? await Task.sleep(for: interval)
                guard let self, !Task.isCancelled else { return }
                await body(self)
            }
        }
    }
}
