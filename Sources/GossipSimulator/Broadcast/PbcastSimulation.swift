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

    /// In how many runs exactly `s` members other than the sender delivered the message, for `s` in
    /// `0...nodes − 1`.
    public func run() -> [Int] {
        let n = configuration.nodes
        var histogram = Array(repeating: 0, count: n)
        var rng = SeededRandom(seed: configuration.seed)
        var pbcast = Broadcast.Pbcast<Int>.Configuration()
        pbcast.fanout = configuration.fanout
        pbcast.retentionRounds = configuration.rounds + 1
        pbcast.identityRounds = configuration.rounds + 1
        let everyone = Array(0..<n)
        for _ in 0..<configuration.runs {
            var members = everyone.map { index -> Broadcast.Pbcast<Int> in
                var member = Broadcast.Pbcast<Int>(me: index, configuration: pbcast)
                member.setMembers(everyone)
                return member
            }
            var alive = Array(repeating: true, count: n)
            var delivered = Array(repeating: false, count: n)
            var queue: [(message: Broadcast.Pbcast<Int>.Message, from: Int, to: Int)] = []
            func carry(_ effects: [Broadcast.Pbcast<Int>.Effect], from sender: Int, lossRate: Double) {
                for case .send(let message, let peer) in effects
                where alive[peer] && Double.random(in: 0..<1, using: &rng) >= lossRate {
                    queue.append((message, sender, peer))
                }
            }
            // The multicast: each member reached with the multicast's chance (loss included in it).
            let (_, multicast) = members[0].multicast([1])
            carry(multicast, from: 0, lossRate: 1 - configuration.multicastReach)
            if Double.random(in: 0..<1, using: &rng) < configuration.senderCrash { alive[0] = false }
            func exchange() {
                var head = 0
                while head < queue.count {
                    let (message, sender, receiver) = queue[head]
                    head += 1
                    let effects = members[receiver].receive(message, from: sender)
                    if effects.contains(where: { if case .deliver = $0 { true } else { false } }) {
                        delivered[receiver] = true
                    }
                    carry(effects, from: receiver, lossRate: configuration.loss)
                }
                queue.removeAll(keepingCapacity: true)
            }
            exchange()
            for _ in 0..<configuration.rounds {
                for index in 0..<n where alive[index] {
                    carry(members[index].gossipRound(using: &rng), from: index, lossRate: configuration.loss)
                }
                exchange()
            }
            histogram[delivered.dropFirst().filter { $0 }.count] += 1
        }
        return histogram
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
