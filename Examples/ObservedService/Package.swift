// swift-tools-version:6.2
import PackageDescription

// A small service that observes its LLM calls the server-side Swift way: swift-log (JSON lines on stderr),
// swift-distributed-tracing (finished spans as JSON lines on stderr), swift-metrics with swift-prometheus (OpenTelemetry GenAI names and Bulwark's llm_api_* names, through
// BulwarkMetrics), ResilientClient, and its own /metrics — served with SwiftNIO.
let package = Package(
    name: "ObservedService",
    platforms: [.macOS(.v26)],
    dependencies: [
        .package(name: "bulwark", path: "../.."),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.0"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.0"),
        .package(url: "https://github.com/apple/swift-distributed-tracing.git", from: "1.7.3"),
    ],
    targets: [
        .executableTarget(
            name: "ObservedService",
            dependencies: [
                .product(name: "Bulwark", package: "bulwark"),
                .product(name: "BulwarkCore", package: "bulwark"),
                .product(name: "BulwarkMetrics", package: "bulwark"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Tracing", package: "swift-distributed-tracing"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ]
        )
    ],
    swiftLanguageModes: [.v6]
)
