import Broadcast
import GossipCore
import GossipTestKit

extension BroadcastSimulation {
    /// What happens next in a run.
    enum Event {
        case message(Broadcast.BroadcastNode<Int>.Message, from: Int, to: Int)
        case gossip(broadcast: Int, hop: Int, from: Int, to: Int)
        case timer(Broadcast.BroadcastNode<Int>.Timer, node: Int)
        case unreachable(Int, by: Int)
        case join(Int, through: Int)
        case broadcast(Int, index: Int)
        case churn
        case sample
    }

    /// One run: the nodes, the scheduler and what is measured.
    struct Engine {
        let configuration: Configuration
        var nodes: [Broadcast.BroadcastNode<Int>]
        var generators: [SeededRandom]
        /// Each node's neighbours on a regular overlay (empty on the others).
        var fixedNeighbors: [[Int]] = []
        var alive: [Bool]
        var liveCount = 0
        /// Nodes started so far; those beyond wait for churn to bring them in.
        var started = 0
        var joinedAt: [Instant]
        var scheduler = VirtualScheduler<Event>()
        var rng: SeededRandom
        /// Draws the losses, apart from every other choice (a run without loss is the same with any seed here).
        var lossRNG: SeededRandom
        /// Whether messages are lost now (only once the overlay has settled).
        var losing = false
        var events = 0
        var churned = 0
        var failedAt = Instant.zero
        var recovery: [OverlaySample] = []
        /// Per broadcast: when it was sent, how many reached it, its payload messages, last hop and delivery.
        var sentAt: [Instant] = []
        var reached: [Int] = []
        var payloadMessages: [Int] = []
        var lastHop: [Int] = []
        var lastDelivery: [Instant] = []
        var broadcastIndex: [UInt64: Int] = [:]
        /// Which node delivered which broadcast, `words` bits per node.
        var deliveries: [UInt64]
        let words: Int

        init(configuration: Configuration) {
            self.configuration = configuration
            let seconds = Double(configuration.broadcasts) * configuration.broadcastInterval.secondsValue
            let pool =
                configuration.churn > 0
                ? Int((Double(configuration.nodes) * configuration.churn * (seconds + 1)).rounded(.up)) + 1 : 0
            let capacity = configuration.nodes + pool
            let prunes = configuration.spreading == .plumtree
            nodes = (0..<capacity).map {
                Broadcast.BroadcastNode(
                    me: $0, overlay: configuration.overlay, tree: configuration.tree, prunes: prunes)
            }
            generators = (0..<capacity).map {
                SeededRandom(seed: configuration.seed &* 0x9E37_79B9_7F4A_7C15 &+ UInt64($0))
            }
            alive = Array(repeating: false, count: capacity)
            joinedAt = Array(repeating: .zero, count: capacity)
            rng = SeededRandom(seed: configuration.seed)
            lossRNG = SeededRandom(seed: configuration.seed ^ 0x5851_F42D_4C95_7F2D)
            words = (configuration.broadcasts + 63) / 64
            deliveries = Array(repeating: 0, count: capacity * words)
        }

        /// The latency of the link between `a` and `b`: fixed per link, drawn from a hash of the pair.
        func latency(_ a: Int, _ b: Int) -> Duration {
            var hash = UInt64(min(a, b)) &* 0x9E37_79B9_7F4A_7C15 ^ UInt64(max(a, b)) &* 0xC2B2_AE3D_27D4_EB4F
            hash ^= hash >> 29
            hash &*= 0x1656_67B1_9E37_79F9
            hash ^= hash >> 32
            let unit = Double(hash % 1_000_000) / 1_000_000
            let range = configuration.latency
            return .nanoseconds(Int64((range.lowerBound + unit * (range.upperBound - range.lowerBound)) * 1e9))
        }

        mutating func run() -> Report {
            let count = configuration.nodes
            var instant = Instant.zero
            switch configuration.topology {
            case .hyparview:
                for index in 0..<count {
                    bringUp(index, at: instant)
                    if index > 0 {
                        let contact = Int.random(in: 0..<index, using: &rng)
                        scheduler.schedule(.join(index, through: contact), at: instant)
                    }
                    instant = instant + configuration.effectiveJoinSpacing
                }
                instant = instant + configuration.settle
            case .regular(let degree):
                fixedNeighbors = Self.regularGraph(nodes: count, degree: degree, using: &rng)
                for index in 0..<count {
                    markUp(index, at: instant)
                    if configuration.spreading != .gossip { nodes[index].connect(fixed: fixedNeighbors[index]) }
                }
            case .complete:
                for index in 0..<count {
                    markUp(index, at: instant)
                    if configuration.spreading != .gossip {
                        nodes[index].connect(fixed: (0..<count).filter { $0 != index })
                    }
                }
            }
            let settled = instant
            drain(until: settled)
            losing = configuration.loss > 0
            // Simultaneous failures.
            failedAt = settled
            let failing = Int((Double(count) * configuration.failureShare).rounded())
            var order = Array(0..<count)
            order.shuffle(using: &rng)
            for index in order.prefix(failing) { crash(index, at: settled) }
            // Broadcasts from random live nodes; churn and the overlay's samples every second meanwhile.
            let live = order.dropFirst(failing).map { $0 }
            var at = settled
            for index in 0..<configuration.broadcasts {
                let source = live[Int.random(in: 0..<live.count, using: &rng)]
                scheduler.schedule(.broadcast(source, index: index), at: at)
                at = at + configuration.broadcastInterval
            }
            var second = settled
            while second <= at + .seconds(10) {
                scheduler.schedule(.sample, at: second)
                if configuration.churn > 0, second > settled, second <= at { scheduler.schedule(.churn, at: second) }
                second = second + .seconds(1)
            }
            drain(until: at + .seconds(30))
            return report()
        }

        func report() -> Report {
            let outcomes = sentAt.indices.map { index in
                var correct = 0
                var delivered = 0
                for node in 0..<started where alive[node] && joinedAt[node] <= sentAt[index] {
                    correct += 1
                    if hasDelivered(node, index) { delivered += 1 }
                }
                return BroadcastOutcome(
                    liveNodes: correct, delivered: delivered, reached: reached[index],
                    payloadMessages: payloadMessages[index], lastDeliveryHop: lastHop[index],
                    lastDeliverySeconds: (lastDelivery[index] - sentAt[index]).secondsValue)
            }
            var asymmetric = 0
            for index in 0..<started where alive[index] && configuration.topology == .hyparview {
                for neighbor in nodes[index].overlay.activeView
                where alive[neighbor] && !nodes[neighbor].overlay.isNeighbor(index) {
                    asymmetric += 1
                }
            }
            let meanActiveView =
                configuration.topology == .hyparview
                ? Double((0..<started).filter { alive[$0] }.map { nodes[$0].overlay.activeView.count }.reduce(0, +))
                    / Double(max(1, liveCount))
                : sample(at: scheduler.now).meanNeighbors
            return Report(
                configuration: configuration, outcomes: outcomes,
                failed: Int((Double(configuration.nodes) * configuration.failureShare).rounded()),
                churned: churned, meanActiveView: meanActiveView, asymmetricLinks: asymmetric, recovery: recovery,
                events: events)
        }

        mutating func drain(until limit: Instant) {
            while let event = scheduler.next(notAfter: limit) {
                events += 1
                handle(event)
            }
            scheduler.advance(to: limit)
        }

        mutating func handle(_ event: Event) {
            let now = scheduler.now
            switch event {
            case .join(let node, let contact):
                apply(nodes[node].join(through: contact), of: node)
            case .broadcast(let chosen, let index):
                guard let source = alive[chosen] ? chosen : randomLive() else { return }
                send(broadcast: index, from: source, at: now)
            case .message(let message, let sender, let receiver):
                step(receiver) { node, generator in node.receive(message, from: sender, at: now, using: &generator) }
            case .gossip(let broadcast, let hop, let sender, let receiver):
                guard alive[receiver], !hasDelivered(receiver, broadcast) else { return }
                delivered(broadcast, at: receiver, hop: hop)
                forward(broadcast, hop: hop, from: receiver, excluding: sender)
            case .timer(let timer, let index):
                step(index) { node, generator in node.fire(timer, at: now, using: &generator) }
            case .unreachable(let peer, let index):
                step(index) { node, generator in node.peerFailed(peer, at: now, using: &generator) }
            case .churn:
                churn(at: now)
            case .sample:
                recovery.append(sample(at: now))
            }
        }

        /// Broadcast number `index` leaves `source`.
        mutating func send(broadcast index: Int, from source: Int, at now: Instant) {
            let payload = [UInt8](repeating: UInt8(truncatingIfNeeded: index), count: configuration.payloadBytes)
            if configuration.spreading == .gossip {
                register(at: now)
                delivered(index, at: source, hop: 0)
                forward(index, hop: 0, from: source, excluding: nil)
                return
            }
            let (id, effects) = nodes[source].broadcast(payload, at: now)
            guard let id else { return }
            broadcastIndex[id.sequence << 20 | UInt64(source)] = sentAt.count
            register(at: now)
            apply(effects, of: source)
        }

        mutating func register(at now: Instant) {
            sentAt.append(now)
            reached.append(0)
            payloadMessages.append(0)
            lastHop.append(0)
            lastDelivery.append(now)
        }

        func hasDelivered(_ node: Int, _ broadcast: Int) -> Bool {
            deliveries[node * words + broadcast / 64] & (1 << UInt64(broadcast % 64)) != 0
        }

        mutating func delivered(_ broadcast: Int, at node: Int, hop: Int) {
            deliveries[node * words + broadcast / 64] |= 1 << UInt64(broadcast % 64)
            reached[broadcast] += 1
            lastHop[broadcast] = max(lastHop[broadcast], hop)
            lastDelivery[broadcast] = max(lastDelivery[broadcast], scheduler.now)
        }

        /// Gossip: `node` sends the broadcast on to its fanout of random neighbours, not back to `sender`.
        mutating func forward(_ broadcast: Int, hop: Int, from node: Int, excluding sender: Int?) {
            let fanout = configuration.gossipFanout
            var targets: [Int] = []
            switch configuration.topology {
            case .complete:
                let others = started - 1 - (sender == nil ? 0 : 1)
                while targets.count < min(fanout, others) {
                    let peer = Int.random(in: 0..<started, using: &generators[node])
                    if peer != node, peer != sender, !targets.contains(peer) { targets.append(peer) }
                }
            case .regular, .hyparview:
                var candidates = neighbors(of: node)
                candidates.removeAll { $0 == sender }
                candidates.shuffle(using: &generators[node])
                targets = Array(candidates.prefix(fanout))
            }
            for peer in targets {
                payloadMessages[broadcast] += 1
                transmit(.gossip(broadcast: broadcast, hop: hop + 1, from: node, to: peer), from: node, to: peer)
            }
        }

        /// Carries `event` from `sender` to `receiver` after the link's latency, unless it is lost; a receiver
        /// that is down breaks the connection instead, which the sender hears a round trip later.
        mutating func transmit(_ event: Event, from sender: Int, to receiver: Int) {
            let delay = latency(sender, receiver)
            guard alive[receiver] else {
                scheduler.schedule(.unreachable(receiver, by: sender), at: scheduler.now + delay + delay)
                return
            }
            if losing, Double.random(in: 0..<1, using: &lossRNG) < configuration.loss { return }
            scheduler.schedule(event, at: scheduler.now + delay)
        }

        /// Runs `input` on live node `index` with that node's own generator, and carries out its effects.
        mutating func step(
            _ index: Int,
            _ input: (inout Broadcast.BroadcastNode<Int>, inout SeededRandom) -> [Broadcast.BroadcastNode<Int>.Effect]
        ) {
            guard alive[index] else { return }
            let effects = input(&nodes[index], &generators[index])
            apply(effects, of: index)
        }

        mutating func apply(_ effects: [Broadcast.BroadcastNode<Int>.Effect], of node: Int) {
            for effect in effects {
                switch effect {
                case .send(let message, let peer):
                    if case .tree(.gossip(let id, _, _)) = message,
                        let index = broadcastIndex[id.sequence << 20 | UInt64(id.origin)]
                    {
                        payloadMessages[index] += 1
                    }
                    transmit(.message(message, from: node, to: peer), from: node, to: peer)
                case .arm(let timer, let instant):
                    scheduler.schedule(.timer(timer, node: node), at: instant)
                case .deliver(let id, let round, _):
                    guard let index = broadcastIndex[id.sequence << 20 | UInt64(id.origin)] else { continue }
                    delivered(index, at: node, hop: round)
                }
            }
        }
    }
}
