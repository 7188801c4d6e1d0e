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
        // The unit list is kept beside the copy and read by the warm run; the same list as libdw's.
        #expect(cold.dwarf?.unitListWasRead == false && warm.dwarf?.unitListWasRead == true)
        #expect(FileManager.default.fileExists(atPath: path + ".units"))
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

    /// A Go binary's DWARF (the Go linker compresses it) with many units: cold and warm (units from the
    /// list file, their DIEs read on first use) give llvm-symbolizer's frames for its C and Go code.
    @Test(arguments: [("go1.25/cgo", "cgo-c"), ("go1.25/cgo", "cgo-go")])
    func goBinaryColdAndWarm(_ binary: String, _ name: String) throws {
        let dir = try temp()
        let ref = try DwarfLLVMTests.reference(name)
        for run in ["cold", "warm"] {
            let img = try image(binary, cache: dir)
            var bad: [String] = []
            for (addr, want) in ref {
                let got = img.frames(at: addr).map {
                    DwarfLLVMTests.Frame(function: $0.function, file: $0.file, line: $0.line)
                }
                if got != want { bad.append("0x\(String(addr, radix: 16)): \(got) vs \(want)") }
            }
            #expect(bad.isEmpty, "\(run): \(bad.count) of \(ref.count); \(bad.prefix(2))")
            #expect(img.dwarf?.unitListWasRead == (run == "warm"))
            #expect((img.dwarf?.listedUnitCount ?? 0) > 10)
            // Its units without ranges hold no function: walked cold, and the list then says so.
            #expect((img.dwarf?.unrangedUnitCount ?? 0) > 0)
            #expect((img.dwarf?.unrangedUnitsWalked ?? -1) == (run == "warm" ? 0 : img.dwarf?.unrangedUnitCount))
        }
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

    /// A unit list that is not this copy's, is cut short, or is group-writable is listed again from the DWARF.
    @Test(arguments: ["other-key", "truncated", "group-writable", "symlink"])
    func tamperedUnitListIsNotRead(_ how: String) throws {
        let dir = try temp()
        let first = try image("c/cwork-gz", cache: dir)
        #expect(try mismatches(first).isEmpty)  // lists the units, so the list is written
        let path = try #require(cachedPath(first))
        let units = path + ".units"
        let want = try #require(UnitListFile.read(units, key: Array((path as NSString).lastPathComponent.utf8)))
        #expect(!want.offsets.isEmpty)
        let b = [UInt8](try Data(contentsOf: URL(fileURLWithPath: units)))
        switch how {
        case "other-key":
            try rewrite(units, UnitListFile.encode(want, key: Array("other".utf8)))
        case "truncated": try rewrite(units, Array(b.dropLast(3)))
        case "group-writable": chmod(units, 0o620)
        default:
            try rewrite(dir + "/elsewhere.units", b)
            unlink(units)
            #expect(symlink(dir + "/elsewhere.units", units) == 0)
        }
        let again = try image("c/cwork-gz", cache: dir)
        #expect(try mismatches(again).isEmpty)
        #expect(again.dwarf?.unitListWasRead == false, "\(how)")
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
