// swift-tools-version:6.2
// Benchmarks live in their own package so `make test` never builds swift-prometheus.
import PackageDescription

let package = Package(
    name: "BulwarkBenchmarks",
    platforms: [.macOS(.v26)],
    dependencies: [
        .package(name: "bulwark", path: ".."),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
        // package-benchmark (`swift package benchmark`); the MallocInterposer trait counts mallocs without jemalloc.
        .package(url: "https://github.com/ordo-one/benchmark", from: "1.38.1", traits: ["MallocInterposer"]),
    ],
    targets: [
        .target(
            name: "BenchmarkSupport",
            dependencies: [
                .product(name: "BulwarkCore", package: "bulwark"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ]
        ),
        .executableTarget(
            name: "BulwarkBenchmarks",
            dependencies: [
                "BenchmarkSupport",
                .product(name: "BulwarkCore", package: "bulwark"),
                .product(name: "BulwarkPrometheus", package: "bulwark"),
                .product(name: "BulwarkLogs", package: "bulwark"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ],
            swiftSettings: [.unsafeFlags(["-Ounchecked"]), .enableUpcomingFeature("InternalImportsByDefault")]
        ),
        // The hot paths under package-benchmark: `swift package benchmark --target HotPaths`.
        .executableTarget(
            name: "HotPaths",
            dependencies: [
                "BenchmarkSupport",
                .product(name: "Benchmark", package: "benchmark"),
                .product(name: "BulwarkCore", package: "bulwark"),
                .product(name: "BulwarkPrometheus", package: "bulwark"),
                .product(name: "BulwarkLogs", package: "bulwark"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ],
            path: "Benchmarks/HotPaths",
            swiftSettings: [.unsafeFlags(["-Ounchecked"])],
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
        // The resilient client against a bare AsyncHTTPClient call, and with shared_state on a local Redis against
        // without (builds SwiftNIO and BoringSSL in release; needs redis-server on PATH for the shared-state phase).
        .executableTarget(
            name: "ClientBenchmarks",
            dependencies: [
                "BenchmarkSupport",
                .product(name: "BulwarkCore", package: "bulwark"),
                .product(name: "BulwarkPrometheus", package: "bulwark"),
                .product(name: "Bulwark", package: "bulwark"),
                .product(name: "BulwarkSimulator", package: "bulwark"),
                .product(name: "BulwarkRedis", package: "bulwark"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
            ]
        ),
    ],
    swiftLanguageModes: [.v6]
)
