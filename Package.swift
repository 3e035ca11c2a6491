// swift-tools-version:6.2
import PackageDescription

let strict: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("InternalImportsByDefault"),
]

/// Module names start with `Bulwark` and never equal a type's name (DESIGN.md, Layout).
/// Dependencies point one way: CLI → {Exporter, Bulwark, Simulator}; Exporter → {HTTPServer, Prometheus,
/// Logs, Alerts}; Alerts → Prometheus → Core; Logs → {Core, CZlib}; Bulwark → Core; Simulator → HTTPServer;
/// HTTPServer → CMicroHTTPD; Redis → {Bulwark, CHiredis}; ConfigReader → Bulwark. `import Bulwark` links neither libmicrohttpd nor zlib.
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
        .library(name: "BulwarkRedis", targets: ["BulwarkRedis"]),
        .library(name: "BulwarkMetrics", targets: ["BulwarkMetrics"]),
        .library(name: "BulwarkConfigReader", targets: ["BulwarkConfigReader"]),
        .executable(name: "bulwark", targets: ["BulwarkCLI"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.0"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/jpsim/Yams.git", from: "6.0.0"),
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.0"),
        .package(url: "https://github.com/apple/swift-crypto.git", from: "4.5.0"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-configuration.git", from: "1.4.0"),
        .package(url: "https://github.com/apple/swift-distributed-tracing.git", from: "1.7.3"),
        // Tests only: BulwarkMetricsTests render through swift-prometheus 2.x.
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
    ],
    targets: [
        .systemLibrary(name: "CMicroHTTPD", pkgConfig: "libmicrohttpd", providers: [.apt(["libmicrohttpd-dev"])]),
        .systemLibrary(name: "CZlib", pkgConfig: "zlib", providers: [.apt(["zlib1g-dev"])]),
        // No pkgConfig: hiredis.pc adds -D_FILE_OFFSET_BITS=64, a flag SwiftPM prohibits (it warns); the header is
        // <hiredis/hiredis.h> on the default include path and the module map links libhiredis.
        .systemLibrary(name: "CHiredis", providers: [.apt(["libhiredis-dev"])]),

        .target(name: "BulwarkCore", swiftSettings: strict),
        .target(
            name: "Bulwark",
            dependencies: [
                "BulwarkCore",
                .product(name: "Yams", package: "Yams"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "_CryptoExtras", package: "swift-crypto"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Tracing", package: "swift-distributed-tracing"),
            ],
            swiftSettings: strict
        ),
        .target(name: "BulwarkPrometheus", dependencies: ["BulwarkCore"], swiftSettings: strict),
        .target(name: "BulwarkRedis", dependencies: ["Bulwark", "BulwarkCore", "CHiredis"], swiftSettings: strict),
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
            dependencies: [
                "BulwarkHTTPServer", .product(name: "Yams", package: "Yams"),
                .product(name: "Crypto", package: "swift-crypto"), .product(name: "_CryptoExtras", package: "swift-crypto"),
            ],
            swiftSettings: strict
        ),
        .target(
            name: "BulwarkMetrics",
            dependencies: ["BulwarkCore", .product(name: "CoreMetrics", package: "swift-metrics")],
            swiftSettings: strict
        ),
        // Opt-in, so that `import Bulwark` does not pull swift-configuration into every client's graph.
        .target(
            name: "BulwarkConfigReader",
            dependencies: ["Bulwark", .product(name: "Configuration", package: "swift-configuration")],
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
                "BulwarkRedis", "BulwarkConfigReader",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: strict
        ),

        // Shared by the test targets: the tool locator, a raw-socket HTTP/1.1 client, child processes.
        .target(
            name: "BulwarkTestSupport",
            dependencies: ["BulwarkHTTPServer", .product(name: "Logging", package: "swift-log")], path: "Tests/BulwarkTestSupport",
            swiftSettings: strict),
        // Fuzzing (`make fuzz`): the harnesses, libFuzzer's entry point (or a replayer without it), and the
        // tests that run every committed corpus input and crash reproducer.
        .target(
            name: "BulwarkFuzzTargets", dependencies: ["BulwarkCore", "Bulwark", "BulwarkExporter"], path: "Fuzz/Targets",
            swiftSettings: strict),
        .executableTarget(name: "BulwarkFuzz", dependencies: ["BulwarkFuzzTargets"], path: "Fuzz/Driver", swiftSettings: strict),
        .testTarget(
            name: "BulwarkFuzzTests", dependencies: ["BulwarkFuzzTargets", "BulwarkTestSupport"], swiftSettings: strict),
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
            dependencies: [
                "Bulwark", "BulwarkTesting", "BulwarkSimulator", "BulwarkHTTPServer", "BulwarkTestSupport",
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Tracing", package: "swift-distributed-tracing"),
                .product(name: "InMemoryTracing", package: "swift-distributed-tracing"),
            ],
            swiftSettings: strict
        ),
        .testTarget(
            name: "BulwarkRedisTests",
            dependencies: [
                "BulwarkRedis", "Bulwark", "BulwarkCore", "BulwarkPrometheus", "BulwarkTesting", "BulwarkSimulator",
                "BulwarkTestSupport",
            ],
            swiftSettings: strict
        ),
        .testTarget(
            name: "BulwarkSimulatorTests",
            dependencies: [
                "BulwarkSimulator", "BulwarkHTTPServer", "BulwarkTestSupport", "Bulwark",
                .product(name: "_CryptoExtras", package: "swift-crypto"),
            ],
            exclude: ["python"],
            swiftSettings: strict
        ),
        .testTarget(
            name: "BulwarkExporterTests",
            dependencies: [
                "BulwarkExporter", "BulwarkHTTPServer", "BulwarkTestSupport", .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict),
        .testTarget(
            name: "BulwarkConfigReaderTests",
            dependencies: ["BulwarkConfigReader", "Bulwark", .product(name: "Configuration", package: "swift-configuration")],
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
