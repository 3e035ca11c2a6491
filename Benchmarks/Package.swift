// swift-tools-version:6.2
// Benchmarks live in their own package so `make test` never builds swift-prometheus.
import PackageDescription

let package = Package(
    name: "BulwarkBenchmarks",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(name: "bulwark", path: ".."),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
    ],
    targets: [
        .executableTarget(
            name: "BulwarkBenchmarks",
            dependencies: [
                .product(name: "CallMetrics", package: "bulwark"),
                .product(name: "ResilientClient", package: "bulwark"),
                .product(name: "ProviderSimulator", package: "bulwark"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ],
            swiftSettings: [.unsafeFlags(["-Ounchecked"]), .enableUpcomingFeature("InternalImportsByDefault")]
        ),
    ],
    swiftLanguageModes: [.v6]
)
