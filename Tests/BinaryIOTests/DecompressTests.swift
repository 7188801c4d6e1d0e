import BinaryIO
import Foundation
import Testing

/// Whole-file compressed inputs read as the plain files they were made from (gzip, zstd and xz made
/// by their own tools: Fixtures/generate-compressed.sh), and refused when cut short or too large.
@Suite struct DecompressTests {
    static func fixture(_ p: String) -> String { Paths.fixtures.appendingPathComponent(p).path }

    @Test(arguments: [
        ("compressed/go1.25.folded.gz", "diff/go1.25.folded"), ("compressed/go1.25.folded.zst", "diff/go1.25.folded"),
        ("compressed/go1.25.folded.xz", "diff/go1.25.folded"),
        ("compressed/two-frames.folded.zst", "diff/go1.25.folded"), ("compressed/piped.folded.zst", "diff/go1.25.folded"),
        ("compressed/two-members.folded.gz", "diff/go1.25.folded"),
        ("compressed/go1.25-fp-mono.data.gz", "perf/go1.25-fp-mono.data"),
        ("compressed/go1.25-fp-mono.script.txt.gz", "perf/go1.25-fp-mono.data.script.txt"),
        ("compressed/go1.24-tasks.trace.xz", "gotrace/go1.24-tasks.trace")
    ])
    func readsAsThePlainFile(_ compressed: String, _ plain: String) throws {
        let a = try openInput(Self.fixture(compressed))
        let b = try openInput(Self.fixture(plain))
        #expect(a.count == b.count)
        #expect(Array(a.bytes) == Array(b.bytes))
        let raw = try MappedFile(path: Self.fixture(compressed))
        #expect(withExtendedLifetime(raw) { InputCompression(magic: raw.bytes) } != nil)
    }

    @Test func plainFilesAreMappedAsThey() throws {
        let f = try openInput(Self.fixture("diff/go1.25.folded"))
        #expect(InputCompression(magic: f.bytes) == nil)
        #expect(f.count == 7671)
    }

    @Test func cutShortIsAnErrorNamingTheFile() throws {
        let path = Self.fixture("compressed/cut-short.folded.gz")
        #expect { _ = try openInput(path) } throws: { e in
            (e as? FileError).map { $0.path == path && $0.message.hasPrefix("gzip data cut short") } ?? false
        }
    }

    /// A zstd frame that says its size is decoded in one call into a buffer of that size: a size that
    /// is not the content's (one byte more or less) is an error naming the file, never bytes cut or
    /// padded; a size past the limit is refused before anything is decoded.
    @Test func zstdFrameSizeMustBeTrue() throws {
        let file = try MappedFile(path: Self.fixture("compressed/go1.25.folded.zst"))
        let good = withExtendedLifetime(file) { Array(file.bytes) }
        // The frame header descriptor: a two-byte content size (flag 1, single segment) at offset 5,
        // stored minus 256.
        #expect(good[4] >> 6 == 1 && good[4] & 0x20 != 0)
        let stored = Int(good[5]) | Int(good[6]) << 8
        #expect(stored + 256 == 7671)
        let dir = FileManager.default.temporaryDirectory
        for delta in [-1, 1] {
            var b = good
            let v = stored + delta
            (b[5], b[6]) = (UInt8(v & 0xff), UInt8(v >> 8))
            let url = dir.appendingPathComponent("stackfold-zstd-size-\(getpid())-\(delta + 1).zst")
            defer { try? FileManager.default.removeItem(at: url) }
            try Data(b).write(to: url)
            #expect { _ = try openInput(url.path) } throws: { e in
                (e as? FileError).map { $0.path == url.path && $0.message.hasPrefix("zstd data") } ?? false
            }
        }
        var small = DecompressionLimit()
        (small.floor, small.cap) = (4096, 4096)
        #expect { _ = try openInput(Self.fixture("compressed/go1.25.folded.zst"), limit: small) } throws: { e in
            (e as? FileError)?.message.contains("decompresses to more than") ?? false
        }
    }

    /// 80 MB of zeros in 2.5 KB: past 1000 times its size and the 64 MiB floor, so refused; a higher
    /// limit reads it all.
    @Test func decompressionIsBounded() throws {
        let path = Self.fixture("compressed/bomb.zst")
        #expect { _ = try openInput(path) } throws: { e in
            (e as? FileError)?.message.contains("decompresses to more than 64 MiB") ?? false
        }
        var limit = DecompressionLimit()
        limit.floor = 100 << 20
        let all = try openInput(path, limit: limit)
        #expect(all.count == 80_000_000)
        #expect(withExtendedLifetime(all) { all.bytes[0] == 0 && all.bytes[79_999_999] == 0 })
    }
}
