/// memberlist's compound message: `07 · N · N big-endian uint16 lengths · the N parts`.
public enum Compound {
    /// Parts per compound; memberlist 0.2.2 mis-parses 128 or more.
    public static let maximumParts = 127

    /// The compound of `parts` (1 to ``maximumParts``, none empty, each under 64 KiB).
    public static func encode(_ parts: [[UInt8]]) throws(WireError) -> [UInt8] {
        guard parts.count <= maximumParts else {
            throw .tooManyCompoundParts(count: parts.count, limit: maximumParts)
        }
        var bytes: [UInt8] = [MessageType.compound.rawValue, UInt8(parts.count)]
        bytes.reserveCapacity(2 + parts.reduce(0) { $0 + 2 + $1.count })
        for part in parts {
            guard !part.isEmpty else { throw .emptyMessage }
            guard part.count <= Int(UInt16.max) else {
                throw .invalidField(name: "compound part", reason: "\(part.count) bytes, over 65535")
            }
            bytes.append(UInt8(part.count >> 8))
            bytes.append(UInt8(part.count & 0xFF))
        }
        for part in parts { bytes.append(contentsOf: part) }
        return bytes
    }

    /// The ranges of the parts of the compound in `bytes[range]` (its type byte first). Parts cut short by the
    /// end of the packet are left out and counted in `truncatedParts`, as memberlist reports them.
    public static func parts(
        of bytes: [UInt8], range: Range<Int>
    ) throws(WireError) -> (parts: [Range<Int>], truncatedParts: Int) {
        var parts: [Range<Int>] = []
        let truncated = try forEachPart(of: bytes, range: range) { parts.append($0) }
        return (parts, truncated)
    }

    /// Calls `body` with the range of each part of the compound in `bytes[range]` (its type byte first), in order,
    /// and returns how many parts the end of the packet cut short. Allocates nothing.
    static func forEachPart(
        of bytes: [UInt8], range: Range<Int>, _ body: (Range<Int>) -> Void
    ) throws(WireError) -> Int {
        guard range.count >= 2 else { throw .truncated(context: "a compound header", needed: 2 - range.count) }
        let count = Int(bytes[range.lowerBound + 1])
        let lengthsStart = range.lowerBound + 2
        guard range.upperBound - lengthsStart >= 2 * count else {
            throw .truncated(context: "compound lengths", needed: 2 * count - (range.upperBound - lengthsStart))
        }
        var offset = lengthsStart + 2 * count
        for index in 0..<count {
            let length = Int(bytes[lengthsStart + 2 * index]) << 8 | Int(bytes[lengthsStart + 2 * index + 1])
            guard offset + length <= range.upperBound else { return count - index }
            body(offset..<(offset + length))
            offset += length
        }
        return 0
    }
}
