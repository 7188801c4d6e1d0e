import Foundation
import Testing

@testable import Symbolize

#if canImport(Glibc)
import Glibc
#endif

/// The inflated-DWARF cache: Fixtures/bin/c/cwork-gz (SHF_COMPRESSED) and cwork-zgnu (`.zdebug_*`) are
/// cwork with its DWARF compressed by objcopy (Fixtures/generate-zdebug.sh). With the cache cold (copy
/// written), warm (copy read) and off, every address gives what llvm-symbolizer printed for cwork; a
/// copy that is not exactly what would be written, a symlink, a group-writable file are not read.
@Suite struct DebugSectionCacheTests {
    static let variants = ["c/cwork-gz", "c/cwork-zgnu"]

    func temp() throws -> String {
        let d = FileManager.default.temporaryDirectory.appendingPathComponent("stackfold-dwcache-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: d, withIntermediateDirectories: true)
        return d.path
    }

    func image(_ binary: String, cache: String?) throws -> BinaryImage {
        let img = try BinaryImage(path: try FixtureBinaries.path(binary), source: .dwarf)
        img.debugSectionCache = cache.map(DebugSectionCache.init(dir:))
        return img
    }

    /// The frames of every llvm-symbolizer address, as llvm-symbolizer gives them for cwork; the mismatches.
    func mismatches(_ img: BinaryImage) throws -> [String] {
        var out: [String] = []
        for (addr, want) in try DwarfLLVMTests.reference("c-cwork") {
            let got = img.frames(at: addr).map { DwarfLLVMTests.Frame(function: $0.function, file: $0.file, line: $0.line) }
            if got != want { out.append("0x\(String(addr, radix: 16)): \(got) vs \(want)") }
        }
        return out
    }

    func cachedPath(_ img: BinaryImage) -> String? {
        _ = img.dwarf
        switch img.debugSectionCacheOutcome {
        case .hit(let p), .written(let p): return p
        default: return nil
        }
    }

    @Test(arguments: variants)
    func fixtureIsCompressed(_ binary: String) throws {
        let elf = try ELFFile(path: try FixtureBinaries.path(binary))
        #expect(elf.sections.contains(where: InflatedDWARF.isCompressedDebug))
        #expect(elf.buildID == "074ca19dd5f7a8acdd9c94abc4bcf71ea0b82d6d")
    }

    @Test(arguments: variants)
    func coldWarmAndOffGiveLLVMsFrames(_ binary: String) throws {
        let dir = try temp()
        let cold = try image(binary, cache: dir)
        #expect(try mismatches(cold).isEmpty)
        let path = try #require(cachedPath(cold))
        guard case .written = cold.debugSectionCacheOutcome else { Issue.record("cold: \(String(describing: cold.debugSectionCacheOutcome))"); return }
        let warm = try image(binary, cache: dir)
        #expect(try mismatches(warm).isEmpty)
        #expect(warm.debugSectionCacheOutcome == .hit(path: path))
        let off = try image(binary, cache: nil)
        #expect(try mismatches(off).isEmpty)
        #expect(off.debugSectionCacheOutcome == nil)
        // Written private: the file 0600, its folder 0700.
        var st = stat()
        #expect(stat(path, &st) == 0 && st.st_mode & 0o777 == 0o600)
        #expect(stat((path as NSString).deletingLastPathComponent, &st) == 0 && st.st_mode & 0o777 == 0o700)
        // The copy holds no compressed section, and the source's build-id.
        let copy = try ELFFile(path: path)
        #expect(!copy.sections.contains(where: InflatedDWARF.isCompressedDebug))
        #expect(copy.buildID == "074ca19dd5f7a8acdd9c94abc4bcf71ea0b82d6d")
        #expect(copy.sections.contains { $0.name == ".debug_info" })
    }

    /// An uncompressed file is read as it is: nothing is written.
    @Test func uncompressedIsNotCopied() throws {
        let dir = try temp()
        let img = try image("c/cwork", cache: dir)
        #expect(try mismatches(img).isEmpty)
        #expect(img.debugSectionCacheOutcome == .uncompressed)
        #expect(!FileManager.default.fileExists(atPath: dir + "/inflated"))
    }

    /// Each tampering: the copy is not read (written again), and the frames stay right.
    @Test(arguments: ["build-id", "symlink", "truncated", "longer", "group-writable", "other-header"])
    func tamperedCopyIsNotRead(_ how: String) throws {
        let dir = try temp()
        let path = try #require(cachedPath(try image("c/cwork-gz", cache: dir)))
        var b = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        switch how {
        case "build-id":
            // The note is the tail's first structure: name "GNU\0" then the id; change the id's last byte.
            let gnu = try #require(Self.find([0x47, 0x4e, 0x55, 0x00, 0x07, 0x4c, 0xa1, 0x9d], in: b))
            b[gnu + 4 + 19] ^= 0xff
            try rewrite(path, b)
        case "symlink":
            let elsewhere = dir + "/valid-copy.debug"
            try Data(b).write(to: URL(fileURLWithPath: elsewhere))
            chmod(elsewhere, 0o600)
            unlink(path)
            #expect(symlink(elsewhere, path) == 0)
        case "truncated": try rewrite(path, Array(b.dropLast(100)))
        case "longer": try rewrite(path, b + [0])
        case "group-writable": #expect(chmod(path, 0o620) == 0)
        default:  // e_machine changed
            b[18] ^= 0x01
            try rewrite(path, b)
        }
        let again = try image("c/cwork-gz", cache: dir)
        #expect(try mismatches(again).isEmpty)
        #expect(again.debugSectionCacheOutcome == .written(path: path), "\(how)")
        var st = stat()
        #expect(lstat(path, &st) == 0 && (st.st_mode & S_IFMT) == S_IFREG && st.st_mode & 0o777 == 0o600)
        let third = try image("c/cwork-gz", cache: dir)
        _ = third.dwarf
        #expect(third.debugSectionCacheOutcome == .hit(path: path))
    }

    func rewrite(_ path: String, _ b: [UInt8]) throws {
        try Data(b).write(to: URL(fileURLWithPath: path))
        chmod(path, 0o600)
    }

    static func find(_ needle: [UInt8], in hay: [UInt8]) -> Int? {
        guard hay.count >= needle.count else { return nil }
        return (0...(hay.count - needle.count)).first { hay[$0..<$0 + needle.count].elementsEqual(needle) }
    }

    /// A cache folder that cannot be made (a file is in the way): nothing cached, frames still right.
    @Test func unwritableFolderFallsBack() throws {
        let dir = try temp()
        try Data([1]).write(to: URL(fileURLWithPath: dir + "/inflated"))
        let img = try image("c/cwork-zgnu", cache: dir)
        #expect(try mismatches(img).isEmpty)
        guard case .skipped = img.debugSectionCacheOutcome else {
            Issue.record("\(String(describing: img.debugSectionCacheOutcome))")
            return
        }
    }

    /// Declared sizes past the bounds (1 GiB, 100× the compressed bytes) are not inflated into the cache.
    @Test func declaredSizeOverTheBoundsIsRefused() throws {
        var b = [UInt8](try Data(contentsOf: URL(fileURLWithPath: try FixtureBinaries.path("c/cwork-gz"))))
        let elf = try ELFFile(path: try FixtureBinaries.path("c/cwork-gz"))
        let info = try #require(elf.section(named: ".debug_info"))
        let dir = try temp()
        let packed = elf.sections.filter(InflatedDWARF.isCompressedDebug).reduce(0) { $0 + $1.size }
        for size in [UInt64(1) << 31, packed * 101] {
            withUnsafeBytes(of: size.littleEndian) { for (i, x) in $0.enumerated() { b[Int(info.offset) + 8 + i] = x } }
            let p = dir + "/hostile"
            try Data(b).write(to: URL(fileURLWithPath: p))
            #expect(throws: InflatedDWARF.Refusal.self) { _ = try InflatedDWARF(try ELFFile(path: p)) }
            let (fd, outcome) = DebugSectionCache(dir: dir).open(for: try ELFFile(path: p))
            #expect(fd == nil)
            guard case .skipped = outcome else { Issue.record("\(size): \(outcome)"); continue }
        }
        #expect(!FileManager.default.fileExists(atPath: dir + "/inflated"))
    }

    @Test func folderFromTheEnvironment() {
        func folder(_ e: [String: String]) -> String? { DebugSectionCache.folder { e[$0] } }
        #expect(folder(["STACKFOLD_CACHE_DIR": "/c", "XDG_CACHE_HOME": "/x", "HOME": "/h"]) == "/c")
        #expect(folder(["STACKFOLD_CACHE_DIR": "off", "HOME": "/h"]) == nil)
        #expect(folder(["STACKFOLD_CACHE_DIR": "", "HOME": "/h"]) == nil)
        #expect(folder(["XDG_CACHE_HOME": "/x", "HOME": "/h"]) == "/x/stackfold")
        #expect(folder(["XDG_CACHE_HOME": "", "HOME": "/h"]) == "/h/.cache/stackfold")
        #expect(folder([:]) == nil)
    }
}
