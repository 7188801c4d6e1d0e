import Foundation

/// FlameGraph's stackcollapse-perf.pl inputs, the script's outputs and flamegraph.pl's SVGs
/// (Fixtures/peer/flamegraph-perf-script.tar.zst; provenance in its README.md and Fixtures/README.md),
/// unpacked on first use into a temporary folder named after the archive's bytes.
public enum PeerCorpus {
    nonisolated(unsafe) static var unpacked: URL?
    static let lock = NSLock()

    /// The unpacked `flamegraph-perf-script` folder (input/, expected/, svg/, README.md).
    public static func directory() throws -> URL {
        lock.lock()
        defer { lock.unlock() }
        if let u = unpacked { return u }
        let archive = try Data(contentsOf: Paths.fixtures.appendingPathComponent("peer/flamegraph-perf-script.tar.zst"))
        let key = archive.reduce(UInt64(0xcbf2_9ce4_8422_2325)) { ($0 ^ UInt64($1)) &* 0x100_0000_01b3 }
        let base = FileManager.default.temporaryDirectory.appendingPathComponent(
            "stackfold-fixtures/peer-\(String(key, radix: 16))")
        let dir = base.appendingPathComponent("flamegraph-perf-script")
        if !FileManager.default.fileExists(atPath: dir.appendingPathComponent("README.md").path) {
            // Unpacked beside, then renamed: test processes may overlap.
            let tmp = base.deletingLastPathComponent().appendingPathComponent("peer-\(UUID().uuidString)")
            try untar(try zstdDecompress(archive, name: "peer/flamegraph-perf-script.tar"), into: tmp)
            try FileManager.default.createDirectory(
                at: base.deletingLastPathComponent(), withIntermediateDirectories: true)
            if (try? FileManager.default.moveItem(at: tmp, to: base)) == nil {
                try? FileManager.default.removeItem(at: tmp)
            }
        }
        unpacked = dir
        return dir
    }

    /// The regular files and folders of a ustar archive (names without `..`).
    static func untar(_ tar: Data, into root: URL) throws {
        let bytes = [UInt8](tar)
        var at = 0
        func field(_ lo: Int, _ n: Int) -> String {
            String(decoding: bytes[at + lo ..< at + lo + n].prefix { $0 != 0 }, as: UTF8.self)
        }
        while at + 512 <= bytes.count, bytes[at] != 0 {
            let name = [field(345, 155), field(0, 100)].filter { !$0.isEmpty }.joined(separator: "/")
            guard let size = Int(field(124, 12).trimmingCharacters(in: .whitespaces), radix: 8), size >= 0,
                  at + 512 + size <= bytes.count, !name.split(separator: "/").contains("..") else {
                throw FixtureFailure("peer corpus archive: bad header at \(at)")
            }
            let url = root.appendingPathComponent(name)
            switch bytes[at + 156] {
            case UInt8(ascii: "5"): try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
            case UInt8(ascii: "0"), 0:
                try FileManager.default.createDirectory(
                    at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
                try Data(bytes[at + 512..<at + 512 + size]).write(to: url)
            default: break
            }
            at += 512 + (size + 511) / 512 * 512
        }
    }
}
