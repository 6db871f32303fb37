extension Replication {
    /// One replica's share of a counter, stored under its own key (`NUL counter NUL name NUL replica`) so that only
    /// that replica ever writes it and last-writer-wins keeps every increment: the counter is the sum of the slots
    /// (a PN-counter laid over the map).
    struct CounterSlot {
        var increments: UInt64 = 0
        var decrements: UInt64 = 0

        static let prefix = "\u{0}counter\u{0}"

        static func key(counter name: String, replica: String) -> String { prefix + name + "\u{0}" + replica }

        /// The counter a slot key belongs to, or `nil` for other keys.
        static func counterName(of key: String) -> String? {
            guard key.hasPrefix(prefix) else { return nil }
            let rest = key.dropFirst(prefix.count)
            guard let end = rest.lastIndex(of: "\u{0}") else { return nil }
            return String(rest[..<end])
        }

        init(_ bytes: [UInt8]) {
            guard bytes.count == 16 else { return }
            for index in 0..<8 {
                increments |= UInt64(bytes[index]) << (8 * index)
                decrements |= UInt64(bytes[8 + index]) << (8 * index)
            }
        }

        mutating func add(_ amount: Int64) {
            if amount >= 0 { increments &+= UInt64(amount) } else { decrements &+= amount.magnitude }
        }

        var value: Int64 { Int64(bitPattern: increments &- decrements) }

        var encoded: [UInt8] {
            withUnsafeBytes(of: increments.littleEndian, Array.init)
                + withUnsafeBytes(of: decrements.littleEndian, Array.init)
        }
    }
}
