// swift-tools-version: 6.2
// The libFuzzer harness over MemberlistWire's receive path. Run it with ./run.sh (see README.md here).
import Foundation
import PackageDescription

/// A package dependency by path is named after its folder, whatever the clone is called.
let project = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .lastPathComponent.lowercased()

let package = Package(
    name: "swift-gossip-fuzz",
    dependencies: [.package(path: "../")],
    targets: [
        .executableTarget(
            name: "WireFuzzer",
            dependencies: [
                .product(name: "MemberlistWire", package: project),
                .product(name: "Serf", package: project),
                .product(name: "NodeCore", package: project),
                .product(name: "SWIM", package: project),
            ],
            swiftSettings: [.unsafeFlags(["-parse-as-library"])]
        )
    ],
    swiftLanguageModes: [.v6]
)
