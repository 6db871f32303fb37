import Broadcast
import Foundation
import GossipCore

/// Bimodal Multicast (`Broadcast.Pbcast`) run in lockstep rounds, many times over, to measure how many members
/// deliver one message — next to the exact distribution of the paper's analysis, a Markov chain over the number
/// of members holding it.
///
/// One run: `nodes` members; member 0 multicasts one message, which reaches each other member with probability
/// ``Configuration/multicastReach`` (a multicast that mostly failed); the sender then crashes with probability
/// ``Configuration/senderCrash`` before its first round. Then ``Configuration/rounds`` gossip rounds: every member
/// holding the message sends a digest to ``Configuration/fanout`` random members; a digest, a solicitation and a
/// retransmission are each lost with probability ``Configuration/loss``. A round's exchanges end before the next
/// begins (the round is long against the latency), so that a member that got the message in a round gossips from
/// the next.
public struct PbcastSimulation: Sendable {
    /// One experiment.
    public struct Configuration: Sendable, Hashable {
        /// Members, the sender included. Default: 50.
        public var nodes = 50
        /// Members each holder sends a digest to per round. Default: 2.
        public var fanout = 2
        /// The chance that any one message (digest, solicitation, retransmission) is lost. Default: 0.05.
        public var loss = 0.05
        /// The chance that the multicast reaches a given member. Default: 0.1.
        public var multicastReach = 0.1
        /// The chance that the sender crashes after its multicast, before it gossips. Default: 0.5.
        public var senderCrash = 0.5
        /// The share of the other members crashed before the multicast (the analysis takes none). Default: 0.
        public var memberCrash = 0.0
        /// Time between gossip rounds, for reporting rounds as time (the rounds run in lockstep). Default: the
        /// protocol's 100 ms.
        public var roundInterval = Broadcast.Pbcast<Int>.Configuration().roundInterval
        /// Gossip rounds (the message is held that long everywhere). Default: 10.
        public var rounds = 10
        /// Runs. Default: 10,000.
        public var runs = 10_000
        /// Seed.
        public var seed: UInt64 = 1

        /// The defaults.
        public init() {}
    }

    /// The experiment.
    public let configuration: Configuration

    /// An experiment with `configuration`.
    public init(configuration: Configuration) {
        self.configuration = configuration
    }

    /// What one run gave.
    public struct Trial: Sendable, Hashable {
        /// Live members other than the sender.
        public var liveReceivers: Int
        /// Of those, the members that delivered the message.
        public var delivered: Int
        /// Messages that carried the payload: the multicast's and the retransmissions.
        public var payloadMessages: Int
        /// The round of the last delivery (0: the multicast).
        public var lastDeliveryRound: Int
    }

    /// In how many runs exactly `s` members other than the sender delivered the message, for `s` in
    /// `0...nodes − 1`.
    public func run() -> [Int] {
        var histogram = Array(repeating: 0, count: configuration.nodes)
        var rng = SeededRandom(seed: configuration.seed)
        for _ in 0..<configuration.runs { histogram[trial(using: &rng).delivered] += 1 }
        return histogram
    }

    /// Every run, in order.
    public func trials() -> [Trial] {
        var rng = SeededRandom(seed: configuration.seed)
        return (0..<configuration.runs).map { _ in trial(using: &rng) }
    }

    /// One run: the multicast, the sender's crash if it comes, then the gossip rounds.
    func trial(using rng: inout SeededRandom) -> Trial {
        let n = configuration.nodes
        var pbcast = Broadcast.Pbcast<Int>.Configuration()
        pbcast.fanout = configuration.fanout
        pbcast.roundInterval = configuration.roundInterval
        pbcast.retentionRounds = configuration.rounds + 1
        pbcast.identityRounds = configuration.rounds + 1
        let everyone = Array(0..<n)
        var members = everyone.map { index -> Broadcast.Pbcast<Int> in
            var member = Broadcast.Pbcast<Int>(me: index, configuration: pbcast)
            member.setMembers(everyone)
            return member
        }
        var alive = Array(repeating: true, count: n)
        // Members crashed before the multicast (they stay members: digests to them are lost).
        var others = Array(1..<n)
        others.shuffle(using: &rng)
        for index in others.prefix(Int((configuration.memberCrash * Double(n - 1)).rounded())) {
            alive[index] = false
        }
        var deliveredIn = Array(repeating: -1, count: n)
        var payloadMessages = 0
        var round = 0
        var queue: [(message: Broadcast.Pbcast<Int>.Message, from: Int, to: Int)] = []
        func carry(_ effects: [Broadcast.Pbcast<Int>.Effect], from sender: Int, lossRate: Double) {
            for case .send(let message, let peer) in effects {
                if case .data = message { payloadMessages += 1 }
                if alive[peer] && Double.random(in: 0..<1, using: &rng) >= lossRate {
                    queue.append((message, sender, peer))
                }
            }
        }
        func exchange() {
            var head = 0
            while head < queue.count {
                let (message, sender, receiver) = queue[head]
                head += 1
                let effects = members[receiver].receive(message, from: sender)
                if effects.contains(where: { if case .deliver = $0 { true } else { false } }) {
                    deliveredIn[receiver] = round
                }
                carry(effects, from: receiver, lossRate: configuration.loss)
            }
            queue.removeAll(keepingCapacity: true)
        }
        // The multicast: each member reached with the multicast's chance (loss included in it).
        let (_, multicast) = members[0].multicast([1])
        carry(multicast, from: 0, lossRate: 1 - configuration.multicastReach)
        if Double.random(in: 0..<1, using: &rng) < configuration.senderCrash { alive[0] = false }
        exchange()
        for _ in 0..<configuration.rounds {
            round += 1
            for index in 0..<n where alive[index] {
                carry(members[index].gossipRound(using: &rng), from: index, lossRate: configuration.loss)
            }
            exchange()
        }
        let receivers = (1..<n).filter { alive[$0] }
        let delivered = receivers.filter { deliveredIn[$0] >= 0 }
        return Trial(
            liveReceivers: receivers.count, delivered: delivered.count, payloadMessages: payloadMessages,
            lastDeliveryRound: delivered.map { deliveredIn[$0] }.max() ?? 0)
    }

    /// The exact chance that `s` members other than the sender deliver, for `s` in `0...nodes − 1`: a Markov
    /// chain over the number of holders. The initial holders are binomial; in a round each of the `h` live
    /// holders sends `fanout` digests, each to one of the `n − 1` others, and one to a member without the message
    /// infects it when the digest, the solicitation and the retransmission all arrive (chance (1 − loss)³); the
    /// members infected are the distinct ones hit (an occupancy distribution, computed one digest at a time).
    /// With `independent`, every member without the message is instead infected independently with chance
    /// 1 − (1 − (1 − loss)³ / (n − 1))^(fanout · h): the binomial recurrence of Birman et al.'s analysis, which
    /// lets one digest infect several members and so overstates both the stalls and the middle.
    public static func theory(_ configuration: Configuration, independent: Bool = false) -> [Double] {
        let n = configuration.nodes
        let receivers = n - 1
        let success = pow(1 - configuration.loss, 3) / Double(n - 1)
        var outcome = Array(repeating: 0.0, count: n)
        for senderAlive in [true, false] {
            let weight = senderAlive ? 1 - configuration.senderCrash : configuration.senderCrash
            guard weight > 0 else { continue }
            // distribution[d]: chance that d receivers hold the message.
            var distribution = (0...receivers).map {
                binomial(receivers, $0, configuration.multicastReach)
            }
            for _ in 0..<configuration.rounds {
                var next = Array(repeating: 0.0, count: receivers + 1)
                for (holders, chance) in distribution.enumerated() where chance > 0 {
                    let digests = configuration.fanout * (holders + (senderAlive ? 1 : 0))
                    let without = receivers - holders
                    let gains: [Double]
                    if independent {
                        let infection = 1 - pow(1 - success, Double(digests))
                        gains = (0...without).map { binomial(without, $0, infection) }
                    } else {
                        gains = occupancy(digests: digests, bins: without, hit: success)
                    }
                    for (gained, gain) in gains.enumerated() { next[holders + gained] += chance * gain }
                }
                distribution = next
            }
            for (holders, chance) in distribution.enumerated() { outcome[holders] += weight * chance }
        }
        return outcome
    }

    /// The chance that `digests` independent digests, each infecting a given one of `bins` members with chance
    /// `hit` (and none with the rest), infect exactly k distinct members, for k in `0...bins`.
    static func occupancy(digests: Int, bins: Int, hit: Double) -> [Double] {
        var distinct = Array(repeating: 0.0, count: bins + 1)
        distinct[0] = 1
        for _ in 0..<digests {
            var next = Array(repeating: 0.0, count: bins + 1)
            for (k, chance) in distinct.enumerated() where chance > 0 {
                let fresh = Double(bins - k) * hit
                next[k] += chance * (1 - fresh)
                if k < bins { next[k + 1] += chance * fresh }
            }
            distinct = next
        }
        return distinct
    }

    /// The binomial probability of `k` successes in `n` trials of chance `p`.
    static func binomial(_ n: Int, _ k: Int, _ p: Double) -> Double {
        if p <= 0 { return k == 0 ? 1 : 0 }
        if p >= 1 { return k == n ? 1 : 0 }
        let logChoose = lgamma(Double(n + 1)) - lgamma(Double(k + 1)) - lgamma(Double(n - k + 1))
        return exp(logChoose + Double(k) * log(p) + Double(n - k) * log(1 - p))
    }
}
