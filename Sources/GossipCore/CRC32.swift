import CRC32Acceleration

/// CRC-32/IEEE (the zlib polynomial, reflected `0xEDB88320`): the value Go's `crc32.ChecksumIEEE` gives, which
/// memberlist puts in front of packets for peers of protocol 5, and the storage log puts in front of each record.
/// Computed by folding with carry-less multiplication where the processor has it (x86-64 PCLMULQDQ), sixteen bytes
/// at a time from tables (slicing-by-16) elsewhere and for the bytes a fold leaves over.
public enum CRC32 {
    /// Whether this processor folds (checked once).
    public static let folds: Bool = gossip_crc32_folding_available() != 0

    /// `tables[k * 256 + b]`: the CRC of byte `b` followed by `k` zero bytes, for k in 0..<16.
    static let tables: [UInt32] = {
        var tables = [UInt32](repeating: 0, count: 16 * 256)
        for index in 0..<256 {
            var value = UInt32(index)
            for _ in 0..<8 {
                value = value & 1 == 1 ? (value >> 1) ^ 0xEDB8_8320 : value >> 1
            }
            tables[index] = value
        }
        for slice in 1..<16 {
            for index in 0..<256 {
                let previous = tables[(slice - 1) * 256 + index]
                tables[slice * 256 + index] = previous >> 8 ^ tables[Int(previous & 0xFF)]
            }
        }
        return tables
    }()

    /// The checksum of `bytes`.
    public static func checksum(_ bytes: some Collection<UInt8>) -> UInt32 {
        if let crc = bytes.withContiguousStorageIfAvailable({ checksum(UnsafeRawBufferPointer($0)) }) {
            return crc
        }
        return Array(bytes).withUnsafeBytes { checksum($0) }
    }

    /// The checksum of the bytes in `buffer`.
    public static func checksum(_ buffer: UnsafeRawBufferPointer) -> UInt32 {
        var crc: UInt32 = 0xFFFF_FFFF
        var start = 0
        if folds, buffer.count >= 64, let base = buffer.baseAddress {
            start = buffer.count & ~15
            crc = gossip_crc32_fold(crc, base.assumingMemoryBound(to: UInt8.self), start)
        }
        return ~tableUpdate(crc, UnsafeRawBufferPointer(rebasing: buffer[start...]))
    }

    /// The checksum computed from the tables alone (the reference the folding is tested against).
    public static func tableChecksum(_ buffer: UnsafeRawBufferPointer) -> UInt32 {
        ~tableUpdate(0xFFFF_FFFF, buffer)
    }

    /// Runs the register `crc` over `buffer`, sixteen bytes at a time.
    static func tableUpdate(_ initial: UInt32, _ buffer: UnsafeRawBufferPointer) -> UInt32 {
        tables.withUnsafeBufferPointer { t in
            var crc = initial
            var index = 0
            let count = buffer.count
            while count - index >= 16 {
                let a = crc ^ UInt32(littleEndian: buffer.loadUnaligned(fromByteOffset: index, as: UInt32.self))
                let b = UInt32(littleEndian: buffer.loadUnaligned(fromByteOffset: index + 4, as: UInt32.self))
                let c = UInt32(littleEndian: buffer.loadUnaligned(fromByteOffset: index + 8, as: UInt32.self))
                let d = UInt32(littleEndian: buffer.loadUnaligned(fromByteOffset: index + 12, as: UInt32.self))
                crc =
                    t[15 * 256 + Int(a & 0xFF)] ^ t[14 * 256 + Int(a >> 8 & 0xFF)]
                    ^ t[13 * 256 + Int(a >> 16 & 0xFF)] ^ t[12 * 256 + Int(a >> 24)]
                    ^ t[11 * 256 + Int(b & 0xFF)] ^ t[10 * 256 + Int(b >> 8 & 0xFF)]
                    ^ t[9 * 256 + Int(b >> 16 & 0xFF)] ^ t[8 * 256 + Int(b >> 24)]
                    ^ t[7 * 256 + Int(c & 0xFF)] ^ t[6 * 256 + Int(c >> 8 & 0xFF)]
                    ^ t[5 * 256 + Int(c >> 16 & 0xFF)] ^ t[4 * 256 + Int(c >> 24)]
                    ^ t[3 * 256 + Int(d & 0xFF)] ^ t[2 * 256 + Int(d >> 8 & 0xFF)]
                    ^ t[256 + Int(d >> 16 & 0xFF)] ^ t[Int(d >> 24)]
                index += 16
            }
            while index < count {
                crc = t[Int((crc ^ UInt32(buffer[index])) & 0xFF)] ^ (crc >> 8)
                index += 1
            }
            return crc
        }
    }
}
