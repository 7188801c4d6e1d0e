// swift-tools-version:6.1
import PackageDescription

let package = Package(
    name: "stackfold",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "stackfold", targets: ["stackfold"]),
        // BinaryIO too: its types (MappedFile, ByteCursor, errors) appear in the others' public API.
        .library(name: "StackfoldKit", targets: ["BinaryIO", "PerfData", "Symbolize", "Collapse", "FlameSVG", "GoTrace", "Align", "Pprof"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        // pprof's profile.proto; the generated code is committed (scripts/gen-pprof-proto.sh).
        // Default traits off: BinaryDelimitedStreams (unused) imports Foundation, whose libraries (and ICU)
        // every run would then load; the rest of SwiftProtobuf needs only FoundationEssentials.
        .package(url: "https://github.com/apple/swift-protobuf", from: "1.39.0", traits: []),
    ],
    targets: [
        // C libraries from the system (Debian: libdw-dev libelf-dev libzstd-dev libdebuginfod-dev).
        .systemLibrary(name: "CElfUtils", pkgConfig: "libdw", providers: [.apt(["libdw-dev", "libelf-dev"])]),
        .systemLibrary(name: "CZstd", pkgConfig: "libzstd", providers: [.apt(["libzstd-dev"])]),
        .systemLibrary(name: "CMalloc"),
        .systemLibrary(name: "CCxxABI"),
        // zlib and liblzma: whole-file gzip and xz inputs (Debian: zlib1g-dev liblzma-dev).
        .systemLibrary(name: "CCompress", providers: [.apt(["zlib1g-dev", "liblzma-dev"])]),
        // Its header only: the library is loaded on first use (see Sources/CDebuginfod/shim.h).
        .systemLibrary(name: "CDebuginfod", providers: [.apt(["libdebuginfod-dev"])]),

        // Shared byte cursor, mmap and errors: every binary reader builds on it.
        .target(name: "BinaryIO", dependencies: ["CZstd", "CCompress"]),
        .target(name: "PerfData", dependencies: ["BinaryIO", "CZstd"]),
        .target(name: "Symbolize", dependencies: ["BinaryIO", "CElfUtils", "CDebuginfod", "CCxxABI"]),
        .target(name: "GoTrace", dependencies: ["BinaryIO"]),
        .target(name: "Collapse", dependencies: ["BinaryIO", "PerfData", "Symbolize"]),
        // js/: the flame graph's JavaScript, embedded by scripts/embed-js.sh as Script.swift.
        .target(name: "FlameSVG", dependencies: ["BinaryIO"], exclude: ["js"]),
        .target(name: "Align", dependencies: ["BinaryIO", "PerfData", "GoTrace", "Collapse"]),
        // pprof profiles: Generated/ is protoc output, proto/ its source (google/pprof, Apache-2.0).
        .target(
            name: "Pprof",
            dependencies: [
                "BinaryIO", "PerfData", "Symbolize", "Collapse", "Align",
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
            ],
            exclude: ["proto"]),
        .executableTarget(
            name: "stackfold",
            dependencies: [
                "PerfData", "Symbolize", "Collapse", "FlameSVG", "GoTrace", "Align", "Pprof", "CMalloc",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]),

        // Fixture paths and a seeded generator, shared by every test target.
        .target(name: "TestSupport", dependencies: ["CZstd", "BinaryIO", "PerfData"], path: "Tests/TestSupport"),
        .testTarget(name: "BinaryIOTests", dependencies: ["BinaryIO", "TestSupport"]),
        .testTarget(name: "PerfDataTests", dependencies: ["PerfData", "TestSupport"]),
        .testTarget(name: "SymbolizeTests", dependencies: ["Symbolize", "TestSupport"]),
        .testTarget(name: "CollapseTests", dependencies: ["Collapse", "PerfData", "CZstd", "TestSupport"], exclude: ["Inputs"]),
        .testTarget(name: "FlameSVGTests", dependencies: ["FlameSVG", "TestSupport"]),
        .testTarget(name: "GoTraceTests", dependencies: ["GoTrace", "CZstd", "TestSupport"]),
        .testTarget(name: "AlignTests", dependencies: ["Align", "TestSupport"]),
        .testTarget(name: "PprofTests", dependencies: ["Pprof", "Collapse", "PerfData", "Align", "GoTrace", "TestSupport"]),
    ],
    swiftLanguageModes: [.v6]
)
