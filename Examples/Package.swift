// swift-tools-version: 6.0
import Foundation
import PackageDescription

// The package this one depends on is the repository around it; SwiftPM names a local package after its
// directory, whatever the clone is called.
let gossip = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .lastPathComponent.lowercased()

// Three small programs built on swift-gossip, one per use; CI builds them, so the snippets in the README and the
// documentation are code that compiles.
let package = Package(
    name: "swift-gossip-examples",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(path: ".."),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.6.0"),
    ],
    targets: [
        // A service that joins a cluster (Serf agents welcome) and logs its membership.
        .executableTarget(
            name: "MembershipLogger",
            dependencies: [
                .product(name: "GossipNIO", package: gossip),
                .product(name: "GossipCore", package: gossip),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]),
        // A service that writes to the replicated store and watches it.
        .executableTarget(
            name: "StoreService",
            dependencies: [
                .product(name: "GossipNIO", package: gossip),
                .product(name: "GossipCore", package: gossip),
            ]),
        // A simulation driven from code: 200 full node cores, a crash, its detection.
        .executableTarget(
            name: "SimulationFromCode",
            dependencies: [
                .product(name: "GossipTestKit", package: gossip),
                .product(name: "GossipCore", package: gossip),
                .product(name: "Serf", package: gossip),
                .product(name: "SWIM", package: gossip),
            ]),
    ]
)
