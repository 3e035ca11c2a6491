// swift-tools-version:6.2
import PackageDescription

// The README's Swift quick start as a package of its own, depending on the repository by path.
let package = Package(
    name: "QuickStart",
    platforms: [.macOS(.v26)],
    dependencies: [.package(name: "bulwark", path: "../..")],
    targets: [
        .executableTarget(
            name: "QuickStart",
            dependencies: [.product(name: "Bulwark", package: "bulwark")]
        )
    ],
    swiftLanguageModes: [.v6]
)
