import GossipCore
import MemberlistWire
import SWIM
import Testing

@Suite("AES-GCM keyring")
struct EncryptionTests {
    static let keyring = try! Keyring(keys: [Fixtures.oldKey, Fixtures.newKey])

    @Test("every datagram of the encrypted capture opens, across the key rotation")
    func capturedPackets() throws {
        var openedByOld = 0
        var openedByNew = 0
        for payload in Fixtures.encryptedPackets {
            let decoded = try PacketCodec(keyring: Self.keyring).decode(payload.bytes)
            #expect(decoded.wasEncrypted)
            #expect(!decoded.messages.isEmpty && decoded.partErrors.isEmpty, "\(payload.label)")
            if (try? Keyring(primaryKey: Fixtures.oldKey).open(payload.bytes)) != nil { openedByOld += 1 }
            if (try? Keyring(primaryKey: Fixtures.newKey).open(payload.bytes)) != nil { openedByNew += 1 }
        }
        #expect(openedByOld + openedByNew == Fixtures.encryptedPackets.count)
        #expect(
            openedByOld > 0 && openedByNew > 0, "the capture spans the rotation: \(openedByOld) old, \(openedByNew) new"
        )
    }

    @Test("the encrypted push-pull streams open with their header as additional data")
    func capturedStreams() throws {
        var pushPulls = 0
        for payload in Fixtures.encryptedStreams where !payload.bytes.isEmpty {
            guard let (message, consumed) = try StreamCodec(keyring: Self.keyring).decode(payload.bytes) else {
                Issue.record("\(payload.label) incomplete")
                continue
            }
            #expect(consumed == payload.bytes.count)
            if case .pushPull = message { pushPulls += 1 }
        }
        #expect(pushPulls >= 4)
    }

    @Test("a key that is not installed opens nothing, and plaintext is refused when encryption is required")
    func wrongKey() throws {
        let stranger = try Keyring(primaryKey: Array(repeating: 9, count: 16))
        let sample = Fixtures.encryptedPackets[0].bytes
        #expect(throws: WireError.noKeyDecrypts(keysTried: 1)) { try PacketCodec(keyring: stranger).decode(sample) }
        #expect(throws: WireError.unsupportedEncryptionVersion(0)) {
            try PacketCodec(keyring: stranger).decode(Fixtures.packet("ping"))
        }
        var lenient = PacketCodec(keyring: stranger)
        lenient.requireEncryption = false
        #expect(try lenient.decode(Fixtures.packet("ping")).messages.count == 1)
        #expect(throws: WireError.encryptionRequired) {
            try StreamCodec(keyring: stranger).decode(Fixtures.plainStreams[0].bytes)
        }
    }

    @Test("sealing adds exactly 29 bytes and opens again; tampering is detected")
    func sealOpen() throws {
        var rng = SeededRandom(seed: 2)
        for key in [Fixtures.newKey, Array(repeating: 1, count: 24), Fixtures.oldKey] {
            let keyring = try Keyring(primaryKey: key)
            let plaintext = Fixtures.packet("ping")
            var sealed = keyring.seal(plaintext, using: &rng)
            #expect(sealed.count == plaintext.count + 29)
            #expect(sealed[0] == 1)
            #expect(try keyring.open(sealed) == plaintext)
            sealed[20] ^= 1
            #expect(throws: WireError.noKeyDecrypts(keysTried: 1)) { try keyring.open(sealed) }
        }
    }

    @Test("keyring operations as memberlist's: install, use, remove, with errors that say why")
    func keyringOperations() throws {
        var keyring = try Keyring(primaryKey: Fixtures.oldKey)
        try keyring.install(Fixtures.newKey)
        try keyring.install(Fixtures.newKey)
        #expect(keyring.keys == [Fixtures.oldKey, Fixtures.newKey])
        #expect(throws: WireError.cannotRemovePrimaryKey) { try keyring.remove(Fixtures.oldKey) }
        #expect(throws: WireError.keyNotInstalled) { try keyring.use(Array(repeating: 3, count: 16)) }
        #expect(throws: WireError.invalidKeyLength(5)) { try keyring.install([1, 2, 3, 4, 5]) }
        try keyring.use(Fixtures.newKey)
        #expect(keyring.primaryKey == Fixtures.newKey)
        try keyring.remove(Fixtures.oldKey)
        #expect(keyring.keys == [Fixtures.newKey])
        #expect(throws: WireError.emptyKeyring) { try Keyring(keys: []) }
    }

    @Test("packets we seal open in the captured cluster's keyring, rotation included")
    func ourPacketsOpen() throws {
        var rng = SeededRandom(seed: 3)
        var sender = PacketCodec(keyring: try Keyring(primaryKey: Fixtures.newKey))
        sender.compression = false
        let message = SWIM.Message.suspect(SWIM.Suspect(incarnation: 3, node: "node2", from: "swift"))
        let packets = sender.encode([message], addChecksum: true, using: &rng)
        #expect(try PacketCodec(keyring: Self.keyring).decode(packets[0]).messages == [message])
    }
}
