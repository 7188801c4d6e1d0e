// swift-tools-version:6.1
import PackageDescription

// Per-record loops: dynamic exclusivity checks (swift_beginAccess) cost ~5% of folding a capture.
// These modules keep their state in local variables and value types, where the static checks suffice.
let hotPath: [SwiftSetting] = [.unsafeFlags(["-enforce-exclusivity=unchecked"], .when(configuration: .release))]

let package = Package(
    name: "stackfold",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "stackfold", targets: ["stackfold"]),
        .library(name: "StackfoldKit", targets: ["PerfData", "Symbolize", "Collapse", "FlameSVG", "GoTrace", "Align"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
    ],
    targets: [
        // C libraries from the system (Debian: libdw-dev libelf-dev libzstd-dev libdebuginfod-dev).
        .systemLibrary(name: "CElfUtils", pkgConfig: "libdw", providers: [.apt(["libdw-dev", "libelf-dev"])]),
        .systemLibrary(name: "CZstd", pkgConfig: "libzstd", providers: [.apt(["libzstd-dev"])]),
        .systemLibrary(name: "CMalloc"),
        // Its header only: the library is loaded on first use (see Sources/CDebuginfod/shim.h).
        .systemLibrary(name: "CDebuginfod", providers: [.apt(["libdebuginfod-dev"])]),

        // Shared byte cursor, mmap and errors: every binary reader builds on it.
        .target(name: "BinaryIO"),
        .target(name: "PerfData", dependencies: ["BinaryIO", "CZstd"], swiftSettings: hotPath),
        .target(name: "Symbolize", dependencies: ["BinaryIO", "CElfUtils", "CDebuginfod"]),
        .target(name: "GoTrace", dependencies: ["BinaryIO"], swiftSettings: hotPath),
        .target(name: "Collapse", dependencies: ["BinaryIO", "PerfData", "Symbolize"], swiftSettings: hotPath),
        // js/: the flame graph's JavaScript, embedded by scripts/embed-js.sh as Script.swift.
        .target(name: "FlameSVG", dependencies: ["BinaryIO"], exclude: ["js"]),
        .target(name: "Align", dependencies: ["BinaryIO", "PerfData", "GoTrace", "Symbolize", "Collapse"]),
        .executableTarget(
            name: "stackfold",
            dependencies: [
                "PerfData", "Symbolize", "Collapse", "FlameSVG", "GoTrace", "Align", "CMalloc",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]),

        // Fixture paths and a seeded generator, shared by every test target.
        .target(name: "TestSupport", dependencies: ["CZstd"], path: "Tests/TestSupport"),
        .testTarget(name: "BinaryIOTests", dependencies: ["BinaryIO", "TestSupport"]),
        .testTarget(name: "PerfDataTests", dependencies: ["PerfData", "TestSupport"]),
        .testTarget(name: "SymbolizeTests", dependencies: ["Symbolize", "TestSupport"]),
        .testTarget(name: "CollapseTests", dependencies: ["Collapse", "PerfData", "TestSupport"], exclude: ["Inputs"]),
        .testTarget(name: "FlameSVGTests", dependencies: ["FlameSVG", "TestSupport"]),
        .testTarget(name: "GoTraceTests", dependencies: ["GoTrace", "CZstd", "TestSupport"]),
        .testTarget(name: "AlignTests", dependencies: ["Align", "TestSupport"]),
    ],
    swiftLanguageModes: [.v6]
)
