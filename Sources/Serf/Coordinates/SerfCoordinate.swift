import MemberlistWire

/// A Vivaldi network coordinate as Serf puts it in every ack's payload: `01` (version) · {Adjustment, Error,
/// Height, Vec} with 64-bit floats.
public struct SerfCoordinate: Sendable, Hashable {
    /// The coordinate vector (8 dimensions in Serf).
    public var vector: [Double]
    /// The estimated error.
    public var error: Double
    /// The adjustment term.
    public var adjustment: Double
    /// The height (non-Euclidean access latency), in seconds.
    public var height: Double

    /// Creates a coordinate.
    public init(vector: [Double], error: Double, adjustment: Double, height: Double) {
        self.vector = vector
        self.error = error
        self.adjustment = adjustment
        self.height = height
    }

    /// Serf's starting coordinate: the origin, error 1.5, height 10 µs.
    public static let origin = SerfCoordinate(
        vector: Array(repeating: 0, count: 8), error: 1.5, adjustment: 0, height: 1e-5)

    /// The estimated round-trip time between nodes at `a` and `b` (Serf's `DistanceTo`).
    public static func distance(_ a: SerfCoordinate, _ b: SerfCoordinate) -> Duration? {
        guard a.vector.count == b.vector.count else { return nil }
        return .nanoseconds(Serf.VivaldiClient.distanceNanoseconds(a, b))
    }

    /// The ack payload.
    public func encode() -> [UInt8] {
        var writer = MessagePackWriter(capacity: 128)
        writer.writeRaw(CollectionOfOne(1))
        writer.writeMapHeader(4)
        writer.writeKey("Adjustment")
        writer.writeDouble(adjustment)
        writer.writeKey("Error")
        writer.writeDouble(error)
        writer.writeKey("Height")
        writer.writeDouble(height)
        writer.writeKey("Vec")
        writer.writeArrayHeader(vector.count)
        for value in vector { writer.writeDouble(value) }
        return writer.bytes
    }

    /// Decodes an ack payload.
    public init(decoding payload: [UInt8]) throws(WireError) {
        guard let version = payload.first else { throw .emptyMessage }
        guard version == 1 else {
            throw .invalidField(name: "coordinate", reason: "version \(version), expected 1")
        }
        var reader = MessagePackReader(payload, range: 1..<payload.count)
        self = .origin
        try reader.readFields { (key, reader) throws(WireError) in
            switch key {
            case "Adjustment": adjustment = try reader.readDouble()
            case "Error": error = try reader.readDouble()
            case "Height": height = try reader.readDouble()
            case "Vec":
                let count = try reader.readArrayHeader()
                guard count <= 64 else { throw .invalidField(name: "Vec", reason: "\(count) dimensions") }
                vector = []
                for _ in 0..<count { vector.append(try reader.readDouble()) }
            default: return false
            }
            return true
        }
    }
}
