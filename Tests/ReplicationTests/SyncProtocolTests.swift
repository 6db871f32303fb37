import GossipCore
import Replication
import Testing

typealias KeyedEntry = Replication.KeyedEntry

/// The anti-entropy messages, the initiator and responder, and the rumor queue.
@Suite("Anti-entropy protocol")
struct SyncProtocolTests {
    static func entry(_ value: String?, _ milliseconds: UInt64, node: UInt32 = 1) -> Replication.LWWMap.Entry {
        .init(value: value.map { Array($0.utf8) }, timestamp: .init(milliseconds: milliseconds, node: node))
    }

    @Test("every message survives encoding and decoding; random messages too")
    func roundTrip() throws {
        let stamp = Replication.Timestamp(milliseconds: 1_700_000_000_123, logical: 4, node: 9)
        let fixed: [Replication.SyncMessage] = [
            .rootRequest(depth: 16), .childrenRequest(depth: 3, parents: [1, 2, 7]),
            .digestsRequest(depth: 3, buckets: [0, 5]), .fetch(keys: ["a", "ü/ß", ""]),
            .push([KeyedEntry("k", Self.entry("v", 5)), KeyedEntry("gone", Self.entry(nil, 6))]),
            .hashes([0, .max, 42]), .digests([Replication.Digest("x", stamp)]),
            .entries([]), .accepted(7), .refused("tree depth 3 asked"),
            .rumor([KeyedEntry("train/ic-1", Self.entry("late", 9))]),
        ]
        for message in fixed { #expect(try Replication.SyncMessage(decoding: message.encode()) == message) }
        var rng = SeededRandom(seed: 3)
        for _ in 0..<500 {
            let entries = (0..<rng.nextIndex(below: 5)).map { _ in
                KeyedEntry(
                    String(rng.nextIndex(below: 100_000)),
                    .init(
                        value: rng.nextIndex(below: 4) == 0
                            ? nil : (0..<rng.nextIndex(below: 40)).map { _ in UInt8.random(in: 0...255, using: &rng) },
                        timestamp: .init(
                            milliseconds: rng.next(), logical: UInt32(truncatingIfNeeded: rng.next()), node: 3)))
            }
            let message: Replication.SyncMessage = rng.nextIndex(below: 2) == 0 ? .push(entries) : .rumor(entries)
            let bytes = message.encode()
            #expect(try Replication.SyncMessage(decoding: bytes) == message)
            #expect(
                bytes.count == Replication.SyncMessage.listHeaderBytes
                    + entries.reduce(0) { $0 + Replication.SyncMessage.encodedSize(of: $1) })
        }
    }

    @Test("malformed messages are refused with the reason, never trusted for a length")
    func malformed() {
        func error(_ bytes: [UInt8]) -> Replication.SyncMessageError? {
            do {
                _ = try Replication.SyncMessage(decoding: bytes)
                return nil
            } catch { return error }
        }
        #expect(error([]) == .truncated(field: "tag"))
        #expect(error([99]) == .unknownTag(99))
        #expect(error([4, 0xFF, 0xFF, 0xFF, 0xFF]) == .countTooLarge(Int(UInt32.max)))
        #expect(error([6, 1, 0, 0, 0, 1, 2, 3]) == .countTooLarge(1))  // 3 bytes cannot hold one hash
        #expect(error([9, 1, 0, 0, 0, 0]) == .trailingBytes(1))
        #expect(error([4, 1, 0, 0, 0, 0x01, 0x08]) == .tooLarge(field: "key", size: 2_049, limit: 1_024))
        #expect(error([4, 1, 0, 0, 0, 2, 0, 0xC3, 0x28]) == .invalidKey)
        var push: [UInt8] = [5, 1, 0, 0, 0, 1, 0, 0x6B] + Array(repeating: 0, count: 16)
        #expect(error(push + [2]) == .invalidEntryMarker(2))
        push += [1, 0xFF, 0xFF, 0xFF, 0x00]
        #expect(error(push) == .tooLarge(field: "value", size: 0xFF_FFFF, limit: 65_536))
    }

    @Test("the responder refuses another depth, indices outside its tree, and what is not a request")
    func responderRefuses() {
        var replica = Replication.Replica(treeDepth: 4)
        replica.apply("a", Self.entry("1", 1))
        #expect(replica.answer(.rootRequest(depth: 4)) == .hashes([replica.tree.root]))
        guard case .refused = replica.answer(.rootRequest(depth: 5)) else { return #expect(Bool(false)) }
        guard case .refused = replica.answer(.childrenRequest(depth: 4, parents: [16])) else {
            return #expect(Bool(false))
        }
        guard case .refused = replica.answer(.digestsRequest(depth: 4, buckets: [16])) else {
            return #expect(Bool(false))
        }
        guard case .refused = replica.answer(.accepted(1)) else { return #expect(Bool(false)) }
        #expect(replica.answer(.fetch(keys: ["a", "missing"])) == .entries([KeyedEntry("a", Self.entry("1", 1))]))
    }

    @Test("an exchange repairs both sides: fetches what is newer there, pushes what is newer here, in chunks")
    func twoWayRepair() throws {
        var a = Replication.Replica(treeDepth: 8)
        var b = Replication.Replica(treeDepth: 8)
        for index in 0..<2_000 {
            let entry = Self.entry("v\(index)", 10)
            a.apply("shared-\(index)", entry)
            b.apply("shared-\(index)", entry)
        }
        for index in 0..<50 { a.apply("only-a-\(index)", Self.entry(String(repeating: "x", count: 100), 20)) }
        for index in 0..<30 { b.apply("only-b-\(index)", Self.entry("b", 20)) }
        a.apply("shared-7", Self.entry("newer in a", 30))
        b.apply("shared-8", Self.entry(nil, 30))  // deleted in b
        var initiator = Replication.AntiEntropyInitiator(depth: 8, maximumPushBytes: 1_000)
        var request = initiator.start()
        var pushRequests = 0
        while true {
            var reply = b.answer(request)
            if case .push(let entries) = request {
                pushRequests += 1
                #expect(Replication.SyncMessage.push(entries).encode().count <= 1_000 + 5)
                for item in entries { b.apply(item.key, item.entry) }
                reply = .accepted(UInt32(entries.count))
            }
            switch try initiator.receive(reply, replica: a) {
            case .send(let next):
                request = next
                continue
            case .finished(let outcome):
                for item in outcome.fetched { a.apply(item.key, item.entry) }
                #expect(outcome.fetched.count == 31)
                #expect(outcome.pushed == 51)
            }
            break
        }
        #expect(pushRequests > 1)
        #expect(a.tree.root == b.tree.root)
        #expect(a.map == b.map)
        #expect(a.map["shared-8"] == nil && a.map["shared-7"] == Array("newer in a".utf8))
        // In step now: the next exchange is one round trip.
        #expect(Replication.AntiEntropySession.synchronize(&a, &b).roundTrips == 1)
    }

    @Test("the initiator stops on a refusal or a reply that does not answer its request")
    func initiatorRejectsBadReplies() {
        let replica = Replication.Replica(treeDepth: 4)
        var initiator = Replication.AntiEntropyInitiator(depth: 4)
        _ = initiator.start()
        #expect(throws: Replication.AntiEntropyInitiator.Failure.refused("no")) {
            try initiator.receive(.refused("no"), replica: replica)
        }
        _ = initiator.start()
        #expect(throws: Replication.AntiEntropyInitiator.Failure.self) {
            try initiator.receive(.hashes([1, 2, 3]), replica: replica)
        }
    }

    @Test("rumors go least-sent first, within the byte budget, and stop after the limit")
    func rumorQueue() {
        var rumors = Replication.UpdateRumors()
        rumors.add(KeyedEntry("a", Self.entry("1", 1)))
        rumors.add(KeyedEntry("b", Self.entry("2", 1)))
        rumors.add(KeyedEntry("a", Self.entry("old", 0)))  // older than the pending one: ignored
        let size = Replication.SyncMessage.encodedSize(of: KeyedEntry("a", Self.entry("1", 1)))
        let first = rumors.nextBatch(maximumBytes: size, recipients: 3, limit: 6)
        #expect(first.map(\.key) == ["a"])
        let second = rumors.nextBatch(maximumBytes: 10 * size, recipients: 3, limit: 6)
        #expect(second.map(\.key) == ["b", "a"])  // b had been sent less
        #expect(rumors.count == 1)  // a reached 6 sends
        _ = rumors.nextBatch(maximumBytes: 10 * size, recipients: 3, limit: 6)
        #expect(rumors.count == 0)
        rumors.add(KeyedEntry("a", Self.entry("3", 5)))
        #expect(rumors.nextBatch(maximumBytes: 10 * size, recipients: 0, limit: 6).isEmpty)
        #expect(rumors.count == 1)
        // Several batches in one round: filled in order, each within the budget, every rumor once.
        rumors.add(KeyedEntry("b", Self.entry("4", 5)))
        rumors.add(KeyedEntry("c", Self.entry("5", 5)))
        let batches = rumors.nextBatches(count: 5, maximumBytes: size, recipients: 1, limit: 6)
        #expect(batches.map { $0.map(\.key) } == [["a"], ["b"], ["c"]])
    }
}
