import Crypto

/// memberlist's keyring: AES-GCM keys of 16, 24 or 32 bytes, the first of which (the primary) encrypts and all
/// of which are tried in order to decrypt, so that a cluster can rotate keys without a flag day (install the new
/// key everywhere, use it everywhere, remove the old one).
///
/// A sealed message is `version (1) · 12-byte nonce · ciphertext · 16-byte tag`: 29 bytes more than the
/// plaintext. Packets are sealed with no additional data, stream messages with their 5-byte header.
public struct Keyring: Sendable, Equatable {
    /// Bytes sealing adds: version, nonce and tag.
    public static let overhead = 1 + 12 + 16

    /// The installed keys, primary first.
    public private(set) var keys: [[UInt8]] {
        didSet { symmetricKeys = keys.map { SymmetricKey(data: $0) } }
    }

    /// ``keys`` made ready for AES-GCM once, rather than for every packet.
    private var symmetricKeys: [SymmetricKey]

    /// A keyring whose primary key is `primaryKey`.
    public init(primaryKey: [UInt8]) throws(WireError) {
        try Self.validate(primaryKey)
        keys = [primaryKey]
        symmetricKeys = [SymmetricKey(data: primaryKey)]
    }

    /// Keyrings are equal when they hold the same keys in the same order.
    public static func == (lhs: Keyring, rhs: Keyring) -> Bool { lhs.keys == rhs.keys }

    /// A keyring with `keys`, the first one primary; there must be at least one.
    public init(keys: [[UInt8]]) throws(WireError) {
        guard let first = keys.first else { throw .emptyKeyring }
        try self.init(primaryKey: first)
        for key in keys.dropFirst() { try install(key) }
    }

    /// The key that encrypts.
    public var primaryKey: [UInt8] { keys[0] }

    /// Adds `key` (a no-op when it is already installed).
    public mutating func install(_ key: [UInt8]) throws(WireError) {
        try Self.validate(key)
        if !keys.contains(key) { keys.append(key) }
    }

    /// Makes the installed `key` the primary.
    public mutating func use(_ key: [UInt8]) throws(WireError) {
        guard let index = keys.firstIndex(of: key) else { throw .keyNotInstalled }
        // memberlist's order: the new primary, then every other key in its installed order.
        keys.insert(keys.remove(at: index), at: 0)
    }

    /// Removes `key`; the primary cannot be removed.
    public mutating func remove(_ key: [UInt8]) throws(WireError) {
        guard let index = keys.firstIndex(of: key) else { throw .keyNotInstalled }
        guard index != 0 else { throw .cannotRemovePrimaryKey }
        keys.remove(at: index)
    }

    /// `plaintext` sealed with the primary key under a fresh nonce drawn from `rng`.
    public func seal(
        _ plaintext: [UInt8], additionalData: [UInt8] = [], using rng: inout some RandomNumberGenerator
    ) -> [UInt8] {
        var nonceBytes = [UInt8](repeating: 0, count: 12)
        for index in stride(from: 0, to: 12, by: 8) {
            var random = rng.next()
            for offset in 0..<min(8, 12 - index) {
                nonceBytes[index + offset] = UInt8(truncatingIfNeeded: random)
                random >>= 8
            }
        }
        return seal(plaintext, additionalData: additionalData, nonce: nonceBytes)
    }

    /// `plaintext` sealed with the primary key under `nonce` (12 bytes). Tests use it to reproduce captures.
    public func seal(_ plaintext: [UInt8], additionalData: [UInt8] = [], nonce: [UInt8]) -> [UInt8] {
        // Both can only fail for a wrong nonce or key size, which this type rules out.
        let box = try! AES.GCM.seal(
            plaintext, using: symmetricKeys[0], nonce: try! AES.GCM.Nonce(data: nonce), authenticating: additionalData)
        var sealed: [UInt8] = [1]
        sealed.reserveCapacity(Self.overhead + plaintext.count)
        sealed.append(contentsOf: nonce)
        sealed.append(contentsOf: box.ciphertext)
        sealed.append(contentsOf: box.tag)
        return sealed
    }

    /// The plaintext of `sealed`, opened with the first installed key that authenticates it.
    public func open(_ sealed: some Collection<UInt8>, additionalData: [UInt8] = []) throws(WireError) -> [UInt8] {
        if let bytes = sealed as? [UInt8] { return try open(bytes: bytes, additionalData: additionalData) }
        return try open(bytes: Array(sealed), additionalData: additionalData)
    }

    private func open(bytes sealed: [UInt8], additionalData: [UInt8]) throws(WireError) -> [UInt8] {
        guard sealed.count >= Self.overhead else {
            throw .truncated(context: "an encrypted message", needed: Self.overhead - sealed.count)
        }
        guard sealed[0] == 1 else { throw .unsupportedEncryptionVersion(sealed[0]) }
        // Nonce, ciphertext and tag, as they follow the version byte.
        guard let box = try? AES.GCM.SealedBox(combined: sealed[1...]) else { throw .noKeyDecrypts(keysTried: 0) }
        for key in symmetricKeys {
            if let plaintext = try? AES.GCM.open(box, using: key, authenticating: additionalData) {
                return Array(plaintext)
            }
        }
        throw .noKeyDecrypts(keysTried: keys.count)
    }

    static func validate(_ key: [UInt8]) throws(WireError) {
        guard [16, 24, 32].contains(key.count) else { throw .invalidKeyLength(key.count) }
    }
}
