// swift-tools-version:6.0
import PackageDescription

let strict: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("InternalImportsByDefault"),
]

let package = Package(
    name: "bulwark",
    platforms: [.macOS(.v15)],
    products: [
        .library(name: "CallMetrics", targets: ["CallMetrics"]),
        .library(name: "ResilientClient", targets: ["ResilientClient"]),
        .library(name: "ProviderSimulator", targets: ["ProviderSimulator"]),
        .library(name: "HTTPServer", targets: ["HTTPServer"]),
        .library(name: "Exporter", targets: ["Exporter"]),
        .executable(name: "bulwark", targets: ["bulwark"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.0"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/jpsim/Yams.git", from: "6.0.0"),
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
    ],
    targets: [
        .systemLibrary(
            name: "CMicroHTTPD",
            pkgConfig: "libmicrohttpd",
            providers: [.apt(["libmicrohttpd-dev"])]
        ),
        .systemLibrary(
            name: "CZlib",
            pkgConfig: "zlib",
            providers: [.apt(["zlib1g-dev"])]
        ),
        .target(name: "HTTPServer", dependencies: ["CMicroHTTPD"], swiftSettings: strict),
        .target(name: "CallMetrics", dependencies: ["CZlib"], swiftSettings: strict),
        .target(
            name: "ResilientClient",
            dependencies: [
                "CallMetrics",
                .product(name: "Yams", package: "Yams"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
            ],
            swiftSettings: strict
        ),
        .target(
            name: "ProviderSimulator",
            dependencies: ["HTTPServer", .product(name: "Yams", package: "Yams")],
            swiftSettings: strict
        ),
        .target(
            name: "Exporter",
            dependencies: [
                "HTTPServer", "CallMetrics",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: strict
        ),
        .executableTarget(
            name: "bulwark",
            dependencies: [
                "Exporter", "ResilientClient", "ProviderSimulator", "CallMetrics",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: strict
        ),
        // A raw-socket HTTP/1.1 client for the tests that assert on exact bytes.
        .target(name: "HTTPTestSupport", dependencies: ["HTTPServer"], path: "Tests/HTTPTestSupport", swiftSettings: strict),
        .testTarget(name: "HTTPServerTests", dependencies: ["HTTPServer", "HTTPTestSupport"], swiftSettings: strict),
        .testTarget(name: "CallMetricsTests", dependencies: ["CallMetrics"], exclude: ["Golden"], swiftSettings: strict),
        .testTarget(
            name: "ResilientClientTests",
            dependencies: ["ResilientClient", "CallMetrics", "ProviderSimulator", "HTTPServer"],
            swiftSettings: strict
        ),
        .testTarget(
            name: "ProviderSimulatorTests",
            dependencies: ["ProviderSimulator", "HTTPServer", "HTTPTestSupport"],
            exclude: ["python"],
            swiftSettings: strict
        ),
        .testTarget(name: "ExporterTests", dependencies: ["Exporter", "CallMetrics", "HTTPServer"], swiftSettings: strict),
        .testTarget(name: "EndToEndTests", dependencies: ["CallMetrics"], swiftSettings: strict),
    ],
    swiftLanguageModes: [.v6]
)
