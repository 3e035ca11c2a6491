// swift-tools-version:6.2
import PackageDescription

let strict: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("InternalImportsByDefault"),
]

/// Module names start with `Bulwark` and never equal a type's name (DESIGN.md, Layout).
/// Dependencies point one way: CLI → {Exporter, Bulwark, Simulator}; Exporter → {HTTPServer, Prometheus,
/// Logs, Alerts}; Alerts → Prometheus → Core; Logs → {Core, CZlib}; Bulwark → Core; Simulator → HTTPServer;
/// HTTPServer → CMicroHTTPD. `import Bulwark` links neither libmicrohttpd nor zlib.
let package = Package(
    name: "bulwark",
    // `Task.immediate` (the client's attempt path) is macOS 26 API; Linux is the platform we test on.
    platforms: [.macOS(.v26)],
    products: [
        .library(name: "Bulwark", targets: ["Bulwark"]),
        .library(name: "BulwarkCore", targets: ["BulwarkCore"]),
        .library(name: "BulwarkPrometheus", targets: ["BulwarkPrometheus"]),
        .library(name: "BulwarkLogs", targets: ["BulwarkLogs"]),
        .library(name: "BulwarkAlerts", targets: ["BulwarkAlerts"]),
        .library(name: "BulwarkHTTPServer", targets: ["BulwarkHTTPServer"]),
        .library(name: "BulwarkExporter", targets: ["BulwarkExporter"]),
        .library(name: "BulwarkSimulator", targets: ["BulwarkSimulator"]),
        .library(name: "BulwarkTesting", targets: ["BulwarkTesting"]),
        .library(name: "BulwarkMetrics", targets: ["BulwarkMetrics"]),
        .executable(name: "bulwark", targets: ["BulwarkCLI"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.0"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/jpsim/Yams.git", from: "6.0.0"),
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.0"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        // Tests only: BulwarkMetricsTests render through swift-prometheus 2.x.
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
    ],
    targets: [
        .systemLibrary(name: "CMicroHTTPD", pkgConfig: "libmicrohttpd", providers: [.apt(["libmicrohttpd-dev"])]),
        .systemLibrary(name: "CZlib", pkgConfig: "zlib", providers: [.apt(["zlib1g-dev"])]),

        .target(name: "BulwarkCore", swiftSettings: strict),
        .target(
            name: "Bulwark",
            dependencies: [
                "BulwarkCore",
                .product(name: "Yams", package: "Yams"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ],
            swiftSettings: strict
        ),
        .target(name: "BulwarkPrometheus", dependencies: ["BulwarkCore"], swiftSettings: strict),
        .target(name: "BulwarkLogs", dependencies: ["BulwarkCore", "CZlib"], swiftSettings: strict),
        .target(name: "BulwarkAlerts", dependencies: ["BulwarkPrometheus"], swiftSettings: strict),
        .target(name: "BulwarkHTTPServer", dependencies: ["CMicroHTTPD"], swiftSettings: strict),
        .target(
            name: "BulwarkExporter",
            dependencies: [
                "BulwarkCore", "BulwarkHTTPServer", "BulwarkPrometheus", "BulwarkLogs", "BulwarkAlerts",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: strict
        ),
        .target(
            name: "BulwarkSimulator",
            dependencies: ["BulwarkHTTPServer", .product(name: "Yams", package: "Yams")],
            swiftSettings: strict
        ),
        .target(
            name: "BulwarkMetrics",
            dependencies: ["BulwarkCore", .product(name: "CoreMetrics", package: "swift-metrics")],
            swiftSettings: strict
        ),
        .target(
            name: "BulwarkTesting",
            dependencies: ["BulwarkCore", "Bulwark", "BulwarkSimulator"],
            swiftSettings: strict
        ),
        .executableTarget(
            name: "BulwarkCLI",
            dependencies: [
                "BulwarkExporter", "Bulwark", "BulwarkSimulator", "BulwarkCore", "BulwarkLogs", "BulwarkAlerts",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: strict
        ),

        // Shared by the test targets: the tool locator, a raw-socket HTTP/1.1 client, child processes.
        .target(
            name: "BulwarkTestSupport", dependencies: ["BulwarkHTTPServer"], path: "Tests/BulwarkTestSupport",
            swiftSettings: strict),
        .testTarget(name: "BulwarkCoreTests", dependencies: ["BulwarkCore"], swiftSettings: strict),
        .testTarget(
            name: "BulwarkPrometheusTests", dependencies: ["BulwarkPrometheus"], exclude: ["Golden"],
            swiftSettings: strict),
        .testTarget(name: "BulwarkLogsTests", dependencies: ["BulwarkLogs", "BulwarkTestSupport"], swiftSettings: strict),
        .testTarget(
            name: "BulwarkAlertsTests", dependencies: ["BulwarkAlerts", "BulwarkLogs", "BulwarkTestSupport"],
            swiftSettings: strict),
        .testTarget(
            name: "BulwarkHTTPServerTests", dependencies: ["BulwarkHTTPServer", "BulwarkTestSupport"],
            swiftSettings: strict),
        .testTarget(
            name: "BulwarkTests",
            dependencies: ["Bulwark", "BulwarkTesting", "BulwarkSimulator", "BulwarkHTTPServer", "BulwarkTestSupport"],
            swiftSettings: strict
        ),
        .testTarget(
            name: "BulwarkSimulatorTests",
            dependencies: ["BulwarkSimulator", "BulwarkHTTPServer", "BulwarkTestSupport"],
            exclude: ["python"],
            swiftSettings: strict
        ),
        .testTarget(
            name: "BulwarkExporterTests",
            dependencies: ["BulwarkExporter", "BulwarkHTTPServer", "BulwarkTestSupport"],
            swiftSettings: strict),
        .testTarget(
            name: "BulwarkMetricsTests",
            dependencies: [
                "BulwarkMetrics", .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "CoreMetrics", package: "swift-metrics"),
            ],
            swiftSettings: strict),
        .testTarget(
            name: "EndToEndTests", dependencies: ["BulwarkCore", "BulwarkLogs", "BulwarkTestSupport"],
            swiftSettings: strict),
    ],
    swiftLanguageModes: [.v6]
)
