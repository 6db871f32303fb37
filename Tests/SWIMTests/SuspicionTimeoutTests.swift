import GossipCore
import SWIM
import Testing

@Suite("Lifeguard suspicion timeouts and memberlist's scaling formulas (spec 2.3, 2.6)")
struct SuspicionTimeoutTests {
    @Test(
        "LAN minimum and maximum suspicion timeouts",
        arguments: [(1, 4, 24), (3, 4, 24), (10, 4, 24), (100, 8, 48), (1000, 12, 72), (10_000, 16, 96)])
    func lanTimeouts(n: Int, minimumSeconds: Int, maximumSeconds: Int) {
        let settings = SWIM.Settings.lan
        #expect(settings.suspicionMinimumTimeout(clusterSize: n) == .seconds(minimumSeconds))
        #expect(settings.suspicionMaximumTimeout(clusterSize: n) == .seconds(maximumSeconds))
    }

    @Test("minimum timeout keeps memberlist's millisecond rounding of log10(n)")
    func millisecondRounding() {
        // log10(50) = 1.69897 -> 1.698 after truncation to milliseconds; × 4 × 1 s = 6.792 s.
        #expect(SWIM.Settings.lan.suspicionMinimumTimeout(clusterSize: 50) == .milliseconds(6792))
        #expect(SWIM.Settings.wan.suspicionMinimumTimeout(clusterSize: 10) == .seconds(30))
    }

    @Test("confirmations wanted: SuspicionMult − 2, or none when n − 2 < k")
    func confirmationsWanted() {
        let lan = SWIM.Settings.lan
        #expect(lan.suspicionConfirmationsWanted(clusterSize: 3) == 0)
        #expect(lan.suspicionConfirmationsWanted(clusterSize: 4) == 2)
        #expect(lan.suspicionConfirmationsWanted(clusterSize: 50) == 2)
        #expect(SWIM.Settings.local.suspicionConfirmationsWanted(clusterSize: 50) == 1)
    }

    @Test("an unconfirmed suspicion lasts the maximum; confirmations shrink it to the minimum, never below")
    func shrinking() {
        var suspicion = SWIM.Suspicion(
            accuser: "a", confirmationsWanted: 2, minimumTimeout: .seconds(4), maximumTimeout: .seconds(24),
            start: .zero)
        #expect(suspicion.deadline == .zero + .seconds(24))
        let selfConfirmation = suspicion.confirm(by: "a")
        #expect(!selfConfirmation, "the first accuser does not confirm its own accusation")
        let firstConfirmation = suspicion.confirm(by: "b")
        #expect(firstConfirmation)
        // 24 − ln 2 / ln 3 × 20 = 11.381 s
        #expect(suspicion.deadline == .zero + .milliseconds(11_381))
        let repeated = suspicion.confirm(by: "b")
        #expect(!repeated, "the same confirmer counts once")
        let secondConfirmation = suspicion.confirm(by: "c")
        #expect(secondConfirmation)
        #expect(suspicion.deadline == .zero + .seconds(4))
        let beyond = suspicion.confirm(by: "d")
        #expect(!beyond, "confirmations beyond k are ignored")
        #expect(suspicion.deadline == .zero + .seconds(4))
    }

    @Test("with k = 0 the suspicion starts at the minimum")
    func noConfirmations() {
        let suspicion = SWIM.Suspicion(
            accuser: "a", confirmationsWanted: 0, minimumTimeout: .seconds(4), maximumTimeout: .seconds(24),
            start: .zero)
        #expect(suspicion.deadline == .zero + .seconds(4))
    }

    @Test(
        "retransmit limit RetransmitMult × ceil(log10(n + 1))",
        arguments: [(1, 4), (9, 4), (10, 8), (99, 8), (100, 12), (999, 12), (1000, 16), (9999, 16)])
    func retransmitLimit(n: Int, limit: Int) {
        #expect(SWIM.Settings.lan.retransmitLimit(clusterSize: n) == limit)
    }

    @Test(
        "push-pull interval scaling above 32 members",
        arguments: [(2, 30), (32, 30), (33, 60), (64, 60), (65, 90), (128, 90), (129, 120), (512, 150), (1024, 180)])
    func pushPullScaling(n: Int, seconds: Int) {
        #expect(SWIM.Settings.lan.pushPullInterval(clusterSize: n) == .seconds(seconds))
    }

    @Test("presets carry memberlist's LAN, WAN and local values")
    func presets() {
        let wan = SWIM.Settings.wan
        #expect(wan.probeInterval == .seconds(5) && wan.probeTimeout == .seconds(3))
        #expect(wan.gossipNodes == 4 && wan.gossipInterval == .milliseconds(500) && wan.suspicionMultiplier == 6)
        let local = SWIM.Settings.local
        #expect(
            local.indirectChecks == 1 && local.retransmitMultiplier == 2 && local.probeTimeout == .milliseconds(200))
        #expect(SWIM.Settings.preset(named: "LAN") == .lan)
        #expect(SWIM.Settings.preset(named: "moon") == nil)
    }

    @Test("awareness scales the probe interval by score + 1 and stays within 0...max − 1")
    func awareness() {
        var awareness = SWIM.Awareness(maximumMultiplier: 8)
        awareness.apply(delta: -1)
        #expect(awareness.score == 0)
        awareness.apply(delta: 3)
        #expect(awareness.scale(.seconds(1)) == .seconds(4))
        awareness.apply(delta: 100)
        #expect(awareness.score == 7)
        #expect(awareness.scale(.seconds(1)) == .seconds(8))
    }
}
