// swift-tools-version: 6.2
import PackageDescription

let package = Package(
    name: "swift-gossip",
    platforms: [.macOS(.v15)],
    products: [
        .library(name: "GossipCore", targets: ["GossipCore"]),
        .library(name: "SWIM", targets: ["SWIM"]),
        .library(name: "MemberlistWire", targets: ["MemberlistWire"]),
        .library(name: "Serf", targets: ["Serf"]),
        .library(name: "Replication", targets: ["Replication"]),
        .library(name: "NodeCore", targets: ["NodeCore"]),
        .library(name: "GossipStorage", targets: ["GossipStorage"]),
        .library(name: "Dissemination", targets: ["Dissemination"]),
        .library(name: "Broadcast", targets: ["Broadcast"]),
        .library(name: "GossipTestKit", targets: ["GossipTestKit"]),
        .library(name: "GossipSimulator", targets: ["GossipSimulator"]),
        .library(name: "GossipScenarios", targets: ["GossipScenarios"]),
        .library(name: "GossipNIO", targets: ["GossipNIO"]),
        .executable(name: "gossip", targets: ["gossip"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-collections.git", from: "1.1.0"),
        .package(url: "https://github.com/apple/swift-crypto.git", "3.0.0"..<"5.0.0"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.81.0"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.0"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.5.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.6.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.0.0"),
        // `swift package generate-documentation`: the DocC catalogs of every library.
        .package(url: "https://github.com/swiftlang/swift-docc-plugin.git", from: "1.4.0"),
    ],
    targets: [
        // CRC-32 folded with carry-less multiplication where the processor has it (a few lines of C intrinsics).
        .target(name: "CRC32Acceleration"),
        // Shared vocabulary: instants, addresses, seeded randomness, CRC-32. No I/O.
        .target(name: "GossipCore", dependencies: ["CRC32Acceleration"]),
        // SWIM + Lifeguard membership with memberlist's semantics, as a pure state machine.
        .target(
            name: "SWIM",
            dependencies: ["GossipCore", .product(name: "HeapModule", package: "swift-collections")]
        ),
        // Push, pull, rumor mongering, fanout and forwarding policies, push-sum: pure decisions.
        .target(name: "Dissemination", dependencies: ["GossipCore"]),
        // Broadcast trees on a partial-view overlay (HyParView, Plumtree), as pure values.
        .target(name: "Broadcast", dependencies: ["GossipCore"]),
        // Replicated state: hybrid logical clocks, LWW map, PN-counter, version vectors, Merkle anti-entropy.
        .target(name: "Replication", dependencies: ["GossipCore", "Dissemination"]),
        // Durable storage of a replica: a checksummed append-only log with fsync and compaction.
        .target(name: "GossipStorage", dependencies: ["GossipCore", "Replication"]),
        // Serf's layer above memberlist, as pure values: Serf's messages, Lamport clocks, intents, events, queries.
        .target(name: "Serf", dependencies: ["GossipCore", "SWIM", "MemberlistWire"]),
        // Bytes <-> messages: memberlist's and Serf's wire format, packet layers (compound, CRC, LZW, AES-GCM), streams.
        .target(
            name: "MemberlistWire",
            dependencies: ["GossipCore", "SWIM", .product(name: "Crypto", package: "swift-crypto")]
        ),
        // A whole node as one pure value: membership, Serf's layer and the routing between them.
        .target(
            name: "NodeCore", dependencies: ["GossipCore", "SWIM", "MemberlistWire", "Serf", "Replication", "Broadcast"]),
        // The real node: SWIM over UDP and TCP on SwiftNIO, speaking memberlist's wire format with Serf's conventions.
        .target(
            name: "GossipNIO",
            dependencies: [
                "GossipCore", "SWIM", "MemberlistWire", "Serf", "NodeCore", "Replication", "GossipStorage",
                "Dissemination",
                .product(name: "HeapModule", package: "swift-collections"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ]
        ),
        // Virtual time, an in-memory network and a cluster runner for tests, the demo and the simulator.
        .target(
            name: "GossipTestKit",
            dependencies: [
                "GossipCore", "SWIM", "MemberlistWire", "Serf", "NodeCore",
                .product(name: "HeapModule", package: "swift-collections"),
            ]
        ),
        // The simulator: large-scale dissemination kernels, the SWIM cluster engine, measurements, reports.
        .target(
            name: "GossipSimulator",
            dependencies: [
                "GossipCore", "SWIM", "Serf", "NodeCore", "Dissemination", "GossipTestKit", "Replication", "Broadcast",
            ]
        ),
        // The fifteen scenarios: stories told with the library's real parts on the simulator.
        .target(
            name: "GossipScenarios",
            dependencies: ["GossipCore", "SWIM", "Dissemination", "GossipSimulator", "GossipTestKit", "Replication"]
        ),
        .executableTarget(
            name: "gossip",
            dependencies: [
                "GossipCore", "SWIM", "GossipTestKit", "Dissemination", "GossipSimulator", "GossipScenarios",
                "Replication", "GossipStorage", "GossipNIO", "MemberlistWire", "Serf", "NodeCore",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ]
        ),
        .testTarget(name: "GossipCoreTests", dependencies: ["GossipCore"]),
        .testTarget(name: "BroadcastTests", dependencies: ["Broadcast", "GossipCore"]),
        .testTarget(name: "SWIMTests", dependencies: ["SWIM", "GossipCore", "GossipTestKit"]),
        .testTarget(
            name: "MemberlistWireTests",
            dependencies: ["MemberlistWire", "SWIM", "GossipCore", "Serf"],
            resources: [.copy("Fixtures")]
        ),
        .testTarget(
            name: "GossipNIOTests",
            dependencies: [
                "GossipNIO", "MemberlistWire", "Serf", "SWIM", "GossipCore", "GossipTestKit", "Replication",
                "GossipStorage",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        .testTarget(
            name: "SerfTests", dependencies: ["Serf", "SWIM", "GossipCore", "MemberlistWire"], exclude: ["Fixtures"]
        ),
        .testTarget(
            name: "NodeCoreTests",
            dependencies: ["NodeCore", "Serf", "SWIM", "GossipCore", "MemberlistWire", "GossipTestKit", "Replication"]
        ),
        .testTarget(
            name: "GossipScenariosTests", dependencies: ["GossipScenarios", "GossipSimulator", "GossipTestKit"]
        ),
        .testTarget(name: "ReplicationTests", dependencies: ["Replication", "GossipCore"]),
        .testTarget(name: "GossipStorageTests", dependencies: ["GossipStorage", "Replication"]),
        .testTarget(name: "DisseminationTests", dependencies: ["Dissemination", "GossipCore"]),
        .testTarget(
            name: "GossipSimulatorTests",
            dependencies: ["GossipSimulator", "Dissemination", "GossipCore", "SWIM", "GossipTestKit", "NodeCore"]
        ),
        .testTarget(name: "GossipTestKitTests", dependencies: ["GossipTestKit", "SWIM", "GossipCore"]),
    ],
    swiftLanguageModes: [.v6]
)
