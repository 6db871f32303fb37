import Dissemination

extension Replication {
    /// The bytes of one aggregation share in a datagram: the aggregate's name (16-bit length, UTF-8), the epoch
    /// (64-bit), then the value and presence masses and the extremes as six IEEE doubles, all little-endian.
    enum AggregateShareCodec {
        /// The longest aggregate name, in bytes.
        static let maximumNameBytes = 256

        static func encode(name: String, share: Dissemination.EpochAggregate.Share) -> [UInt8] {
            var bytes: [UInt8] = []
            func append<T: FixedWidthInteger>(_ value: T) { withUnsafeBytes(of: value.littleEndian) { bytes += $0 } }
            let nameBytes = Array(name.utf8.prefix(maximumNameBytes))
            append(UInt16(nameBytes.count))
            bytes += nameBytes
            append(share.epoch)
            for number in [
                share.value.sum, share.value.weight, share.presence.sum, share.presence.weight, share.minimum,
                share.maximum,
            ] {
                append(number.bitPattern)
            }
            return bytes
        }

        /// The name and share, or `nil` if the bytes are not one (wrong length, bad UTF-8, masses that are not
        /// finite and non-negative where they must be).
        static func decode(_ bytes: ArraySlice<UInt8>) -> (name: String, share: Dissemination.EpochAggregate.Share)? {
            var offset = bytes.startIndex
            func integer<T: FixedWidthInteger>(_: T.Type) -> T? {
                guard bytes.endIndex - offset >= MemoryLayout<T>.size else { return nil }
                var value: T = 0
                for index in 0..<MemoryLayout<T>.size { value |= T(bytes[offset + index]) << (8 * index) }
                offset += MemoryLayout<T>.size
                return value
            }
            guard let length = integer(UInt16.self), length <= maximumNameBytes, bytes.endIndex - offset >= Int(length),
                let name = String(validating: bytes[offset..<(offset + Int(length))], as: UTF8.self), !name.isEmpty
            else { return nil }
            offset += Int(length)
            guard let epoch = integer(UInt64.self) else { return nil }
            var numbers: [Double] = []
            for _ in 0..<6 {
                guard let bits = integer(UInt64.self) else { return nil }
                numbers.append(Double(bitPattern: bits))
            }
            guard offset == bytes.endIndex, numbers[0...3].allSatisfy(\.isFinite), numbers[1] >= 0, numbers[3] >= 0,
                !numbers[4].isNaN, !numbers[5].isNaN
            else { return nil }
            return (
                name,
                .init(
                    epoch: epoch, value: .init(sum: numbers[0], weight: numbers[1]),
                    presence: .init(sum: numbers[2], weight: numbers[3]), minimum: numbers[4], maximum: numbers[5])
            )
        }
    }
}
