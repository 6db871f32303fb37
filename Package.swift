// swift-tools-version: 6.2
import PackageDescription

let package = Package(
    name: "swift-gossip",
    platforms: [.macOS(.v15)],
    products: [
        .library(name: "GossipCore", targets: ["GossipCore"]),
        .library(name: "SWIM", targets: ["SWIM"]),
        .library(name: "MemberlistWire", targets: ["MemberlistWire"]),
        .library(name: "GossipTestKit", targets: ["GossipTestKit"]),
        .executable(name: "gossip", targets: ["gossip"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-collections.git", from: "1.1.0"),
        .package(url: "https://github.com/apple/swift-crypto.git", "3.0.0"..<"5.0.0"),
    ],
    targets: [
        // Shared vocabulary: instants, addresses, seeded randomness. No dependencies, no I/O.
        .target(name: "GossipCore"),
        // SWIM + Lifeguard membership with memberlist's semantics, as a pure state machine.
        .target(
            name: "SWIM",
            dependencies: ["GossipCore", .product(name: "HeapModule", package: "swift-collections")]
        ),
        // Bytes <-> messages: memberlist's and Serf's wire format, packet layers (compound, CRC, LZW, AES-GCM), streams.
        .target(
            name: "MemberlistWire",
            dependencies: ["GossipCore", "SWIM", .product(name: "Crypto", package: "swift-crypto")]
        ),
        // Virtual time, an in-memory network and a cluster runner for tests, the demo and the simulator.
        .target(
            name: "GossipTestKit",
            dependencies: [
                "GossipCore", "SWIM",
                .product(name: "HeapModule", package: "swift-collections"),
            ]
        ),
        .executableTarget(
            name: "gossip",
            dependencies: [
                "GossipCore", "SWIM", "GossipTestKit",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .testTarget(name: "GossipCoreTests", dependencies: ["GossipCore"]),
        .testTarget(name: "SWIMTests", dependencies: ["SWIM", "GossipCore", "GossipTestKit"]),
        .testTarget(
            name: "MemberlistWireTests",
            dependencies: ["MemberlistWire", "SWIM", "GossipCore"],
            resources: [.copy("Fixtures")]
        ),
        .testTarget(name: "GossipTestKitTests", dependencies: ["GossipTestKit", "SWIM", "GossipCore"]),
    ],
    swiftLanguageModes: [.v6]
)
