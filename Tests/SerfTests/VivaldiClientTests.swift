import Foundation
import GossipCore
import MemberlistWire
import Serf
import Testing

/// Serf's Vivaldi client, checked against vectors recorded from Serf's own `coordinate` package
/// (`scripts/build_coordinate_oracle.sh` writes them): the same observations give the same coordinates, bit for
/// bit, through the latency filter, gravity, the height floor, rejected inputs and resets.
@Suite("Network coordinates (Vivaldi)")
struct VivaldiClientTests {
    struct Vectors: Decodable, CustomTestStringConvertible {
        var testDescription: String { name }

        struct Coordinate: Decodable {
            var vec: [String]
            var error: String
            var adjustment: String
            var height: String

            var value: SerfCoordinate {
                SerfCoordinate(
                    vector: vec.map(Self.double), error: Self.double(error), adjustment: Self.double(adjustment),
                    height: Self.double(height))
            }

            static func double(_ hex: String) -> Double { Double(bitPattern: UInt64(hex, radix: 16) ?? 0) }
        }

        struct Configuration: Decodable {
            var dimensionality: Int
            var vivaldiErrorMax: String
            var vivaldiCE: String
            var vivaldiCC: String
            var adjustmentWindowSize: Int
            var heightMin: String
            var latencyFilterSize: Int
            var gravityRho: String

            var value: Serf.VivaldiClient.Configuration {
                var configuration = Serf.VivaldiClient.Configuration()
                configuration.dimensionality = dimensionality
                configuration.vivaldiErrorMax = Coordinate.double(vivaldiErrorMax)
                configuration.vivaldiCE = Coordinate.double(vivaldiCE)
                configuration.vivaldiCC = Coordinate.double(vivaldiCC)
                configuration.adjustmentWindowSize = adjustmentWindowSize
                configuration.heightMin = Coordinate.double(heightMin)
                configuration.latencyFilterSize = latencyFilterSize
                configuration.gravityRho = Coordinate.double(gravityRho)
                return configuration
            }
        }

        struct Step: Decodable {
            var node: String
            var other: Coordinate
            var rttNanoseconds: Int64
            var rejected: Bool
            var result: Coordinate
            var distanceToOtherNanoseconds: Int64
            var resets: Int
        }

        var name: String
        var config: Configuration
        var steps: [Step]
    }

    static func vectors() throws -> [Vectors] {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("Fixtures/coordinate-vectors.json")
        return try JSONDecoder().decode([Vectors].self, from: Data(contentsOf: url))
    }

    static func bits(_ coordinate: SerfCoordinate) -> [UInt64] {
        coordinate.vector.map(\.bitPattern) + [
            coordinate.error.bitPattern, coordinate.adjustment.bitPattern, coordinate.height.bitPattern,
        ]
    }

    @Test("every recorded sequence gives Serf's coordinates to the last bit", arguments: try vectors())
    func matchesSerf(_ scenario: Vectors) {
        var client = Serf.VivaldiClient(configuration: scenario.config.value)
        var rng = SeededRandom(seed: 1, stream: 0)
        for (index, step) in scenario.steps.enumerated() {
            var rejected = false
            do {
                try client.update(
                    node: step.node, other: step.other.value, roundTrip: .nanoseconds(step.rttNanoseconds),
                    using: &rng)
            } catch {
                rejected = true
            }
            #expect(rejected == step.rejected, "\(scenario.name) step \(index)")
            #expect(Self.bits(client.coordinate) == Self.bits(step.result.value), "\(scenario.name) step \(index)")
            #expect(client.resets == step.resets, "\(scenario.name) step \(index)")
            if step.distanceToOtherNanoseconds != 0 {
                #expect(
                    client.distance(to: step.other.value) == .nanoseconds(step.distanceToOtherNanoseconds),
                    "\(scenario.name) step \(index)")
            }
        }
    }

    @Test("the recorded sequences cover the filter, gravity, the height floor, rejections and resets")
    func coverage() throws {
        let scenarios = try Self.vectors()
        #expect(Set(scenarios.map(\.name)) == ["lan", "gravity", "height-floor", "rejections-and-reset", "small"])
        let rejections = scenarios.first { $0.name == "rejections-and-reset" }
        #expect(rejections?.steps.contains { $0.rejected } == true)
        #expect((rejections?.steps.last?.resets ?? 0) > 0)
        let floor = scenarios.first { $0.name == "height-floor" }?.steps.last?.result.value
        #expect(floor?.height == 1e-5)
    }

    @Test("two coordinates that coincide push apart in a random direction, by the force Vivaldi gives")
    func coincidentCoordinates() throws {
        var client = Serf.VivaldiClient()
        var rng = SeededRandom(seed: 3, stream: 0)
        let moved = try client.update(node: "b", other: .origin, roundTrip: .milliseconds(10), using: &rng)
        #expect(Serf.VivaldiClient.isValid(moved))
        // Equal errors weigh 1/2: the force is c_c × 1/2 × (rtt − the two heights), along a unit vector.
        let force = 0.25 * 0.5 * (0.010 - 2e-5)
        let length = moved.vector.reduce(0) { $0 + $1 * $1 }.squareRoot()
        #expect(abs(length - force) < 1e-9, "\(length)")
        var other = Serf.VivaldiClient()
        var otherRNG = SeededRandom(seed: 4, stream: 0)
        let elsewhere = try other.update(node: "b", other: .origin, roundTrip: .milliseconds(10), using: &otherRNG)
        #expect(elsewhere.vector != moved.vector)
    }

    @Test("the ack payload round-trips, and payloads that are not a coordinate are refused")
    func payloads() throws {
        let coordinate = SerfCoordinate(
            vector: [1, -2, 3, 0, 0, 0, 0, 0.5], error: 0.4, adjustment: -1e-4, height: 2e-5)
        let payload = coordinate.encode()
        #expect(payload.count == 130)
        #expect(try SerfCoordinate(decoding: payload) == coordinate)
        #expect(throws: WireError.self) { try SerfCoordinate(decoding: [2] + payload.dropFirst()) }
        #expect(throws: WireError.self) { try SerfCoordinate(decoding: Array(payload.prefix(40))) }
        #expect(throws: WireError.self) { try SerfCoordinate(decoding: []) }
    }
}
