import Foundation
import TestSupport

/// Fixture binaries under Fixtures/bin, some committed as zstd patches (`X.zst`, made with
/// `zstd --patch-from=R X`, where R is X's name without its last `-part`: `workload-pie-stripped` from
/// `workload-pie`, `workload-pie` from `workload`): see Fixtures/README.md. A patched binary is rebuilt
/// into a temporary folder named after the patch's bytes, so later runs reuse it; a plain one is used in place.
enum FixtureBinaries {
    struct Failure: Error, CustomStringConvertible { var description: String }

    nonisolated(unsafe) static var built: [String: String] = [:]
    static let lock = NSLock()
    static let dir = FileManager.default.temporaryDirectory.appendingPathComponent("stackfold-fixtures")

    /// The path of `Fixtures/bin/<name>` (e.g. `go1.24/workload-pie-stripped`), rebuilt from its patch if needed.
    static func path(_ name: String) throws -> String {
        let plain = Paths.fixtures.appendingPathComponent("bin/\(name)")
        if FileManager.default.fileExists(atPath: plain.path) { return plain.path }
        lock.lock()
        defer { lock.unlock() }
        return try locked(name)
    }

    private static func locked(_ name: String) throws -> String {
        let plain = Paths.fixtures.appendingPathComponent("bin/\(name)")
        if FileManager.default.fileExists(atPath: plain.path) { return plain.path }
        if let p = built[name] { return p }
        guard let dash = name.lastIndex(of: "-"), name[dash...].count > 1 else {
            throw Failure(description: "\(name): no such fixture binary")
        }
        let referencePath = try locked(String(name[..<dash]))
        let patch = try Data(contentsOf: plain.appendingPathExtension("zst"))
        // FNV-1a of the patch: a changed fixture gets a new file; written atomically, as runs may overlap.
        let key = patch.reduce(UInt64(0xcbf2_9ce4_8422_2325)) { ($0 ^ UInt64($1)) &* 0x100_0000_01b3 }
        let dest = dir.appendingPathComponent("\(name)-\(String(key, radix: 16))")
        if !FileManager.default.fileExists(atPath: dest.path) {
            let out = try patched(
                patch, reference: try Data(contentsOf: URL(fileURLWithPath: referencePath)), name: name)
            try FileManager.default.createDirectory(
                at: dest.deletingLastPathComponent(), withIntermediateDirectories: true)
            try out.write(to: dest, options: .atomic)
        }
        built[name] = dest.path
        return dest.path
    }

    /// The contents of `Fixtures/<name>.zst` (one zstd frame).
    static func decompressed(_ name: String) throws -> Data {
        try patched(
            try Data(contentsOf: Paths.fixtures.appendingPathComponent("\(name).zst")), reference: Data(), name: name)
    }

    static func patched(_ patch: Data, reference: Data, name: String) throws -> Data {
        try zstdDecompress(patch, reference: reference, name: name)
    }
}
