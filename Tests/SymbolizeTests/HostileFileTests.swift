import BinaryIO
import Foundation
import Testing
import TestSupport
@testable import Symbolize

/// Paths chosen by whoever made a capture or binary (issue 22): devices and FIFOs are refused rather
/// than read without end, names are kept inside the root they are joined to, and `.gnu_debuglink`
/// names are file names. Inputs: Fixtures/hostile (Fixtures/generate-hostile.sh).
@Suite struct HostileFileTests {
    static let hostile = Paths.fixtures.appendingPathComponent("hostile").path
    static let stripped = Paths.fixtures.appendingPathComponent("debugfile/cwork").path
    static let debugFile = Paths.fixtures.appendingPathComponent(
        "debugfile/.build-id/07/4ca19dd5f7a8acdd9c94abc4bcf71ea0b82d6d.debug"
    ).path

    func temp() throws -> String {
        let d = FileManager.default.temporaryDirectory.appendingPathComponent("stackfold-hostile-\(UUID().uuidString)")
            .path
        try FileManager.default.createDirectory(atPath: d, withIntermediateDirectories: true)
        return d
    }

    /// A device, a FIFO nobody writes, a folder: each refused at once with its kind named.
    @Test func onlyRegularFilesAreRead() throws {
        let d = try temp()
        defer { try? FileManager.default.removeItem(atPath: d) }
        #expect(mkfifo(d + "/fifo", 0o600) == 0)
        let start = ThreadCPUClock()
        for (path, kind) in [("/dev/zero", "character device"), (d + "/fifo", "FIFO"), (d, "directory")] {
            #expect(throws: SymbolizeError.self) { _ = try ELFFile(path: path) }
            do { _ = try BinaryImage(path: path); Issue.record("\(path) opened") } catch {
                #expect(error.description.contains("not a regular file (a \(kind))"), "\(error)")
            }
            #expect(DwarfIndex(path: path) == nil)
        }
        #expect(start.seconds < 5)
        // A path named on the command line may still be a pipe (process substitution): not refused there.
        #expect(try MappedFile(path: Self.stripped).count > 0)
    }

    @Test func namesAreNormalisedInsideTheRoot() {
        #expect(ConfinedPath.normalise("/../../../../tmp/x/secret") == "/tmp/x/secret")
        #expect(ConfinedPath.normalise("a/./b//../c/") == "/a/c")
        #expect(ConfinedPath.normalise("..") == "/")
        #expect(ConfinedPath.isBaseName("cwork.debug"))
        for bad in ["", ".", "..", "../x", "a/b", "/dev/zero", "x\0y"] { #expect(!ConfinedPath.isBaseName(bad)) }
        #expect(ConfinedPath.isBuildID("074ca19dd5f7a8acdd9c94abc4bcf71ea0b82d6d"))
        for bad in ["", "07", "../../etc", "074CA19D", String(repeating: "a", count: 200)] {
            #expect(!ConfinedPath.isBuildID(bad))
        }
    }

    /// A root holding a file, a symlink inside it and absolute and relative symlinks leading out of it;
    /// a file outside it reached by `..`. Only what is inside is returned.
    @Test func symlinksOutOfTheRootAreRefused() throws {
        let d = try temp()
        defer { try? FileManager.default.removeItem(atPath: d) }
        let root = d + "/root", fm = FileManager.default
        try fm.createDirectory(atPath: root + "/usr/bin", withIntermediateDirectories: true)
        try fm.createDirectory(atPath: d + "/outside", withIntermediateDirectories: true)
        try fm.copyItem(atPath: Self.stripped, toPath: root + "/usr/bin/work")
        try fm.copyItem(atPath: Self.stripped, toPath: d + "/outside/secret")
        try fm.createSymbolicLink(atPath: root + "/usr/bin/inside", withDestinationPath: "work")
        try fm.createSymbolicLink(atPath: root + "/usr/bin/abs", withDestinationPath: d + "/outside/secret")
        try fm.createSymbolicLink(atPath: root + "/usr/bin/rel", withDestinationPath: "../../../outside/secret")
        try fm.createSymbolicLink(atPath: root + "/usr/bin/dir", withDestinationPath: d + "/outside")
        #expect(ConfinedPath.join(root: root, "/usr/bin/work") == root + "/usr/bin/work")
        #expect(ConfinedPath.join(root: root + "/", "usr/bin/inside") == root + "/usr/bin/inside")
        #expect(ConfinedPath.join(root: root, "/usr/bin/../../usr/./bin/work") == root + "/usr/bin/work")
        for name in [
            "/usr/bin/abs", "/usr/bin/rel", "/usr/bin/dir/secret", "/../outside/secret",
            "/../../../../../" + d + "/outside/secret"
        ] {
            #expect(ConfinedPath.join(root: root, name) == nil, "\(name)")
        }
        #expect(ConfinedPath.join(root: root, "/usr/bin/missing") == nil)
    }

    /// `.gnu_debuglink` of `../../../../../../dev/zero` and of `sub/cwork.debug`: not looked for, warned;
    /// the same debug file under its plain name is still found.
    @Test func debugLinkNamesArePlainFileNames() throws {
        let d = try temp()
        defer { try? FileManager.default.removeItem(atPath: d) }
        let fm = FileManager.default
        try fm.createDirectory(atPath: d + "/sub", withIntermediateDirectories: true)
        try fm.copyItem(atPath: Self.debugFile, toPath: d + "/sub/cwork.debug")
        for (name, link) in [
            ("debuglink-devzero", "../../../../../../dev/zero"), ("debuglink-subdir", "sub/cwork.debug")
        ] {
            try fm.copyItem(atPath: Self.hostile + "/" + name, toPath: d + "/" + name)
            let img = try BinaryImage(path: d + "/" + name)
            #expect(img.elf.debugLink?.name == link)
            img.debugFileSearch = DebugFileSearch(globalDirs: [d])
            let start = ThreadCPUClock()
            #expect(img.symbolFile === img.elf)
            #expect(start.seconds < 5)
            #expect(
                img.warnings == [
                    "\(d)/\(name): .gnu_debuglink name \"\(link)\" is not a file name (has / or is ..); not looked for"
                ])
        }
    }
}

/// Tables crafted at their sizes (Fixtures/hostile/*.elf.zst, scripts/hostile/elfgen.py): bounded memory
/// and stack.
@Suite struct HostileTableTests {
    static func file(_ name: String) throws -> ELFFile {
        let bytes = try FixtureBinaries.decompressed("hostile/\(name).elf")
        return try ELFFile(file: MappedFile(path: name, copying: bytes))
    }

    /// 100,000 symbols whose names are one 40 KB string: one String, not 100,000 copies (3.8 GB).
    @Test func sharedSymbolNameIsOneString() throws {
        let before = residentBytes()
        let elf = try Self.file("symtab-shared-name")
        let syms = elf.functionSymbols
        #expect(syms.count == 100_000)
        #expect(syms.allSatisfy { $0.name.utf8.count == 40_000 })
        #expect(elf.namingSymbols.count == 100_000)
        #expect(residentBytes() - before < 200 << 20)
    }

    /// 100,000 DW_TAG_subprogram DIEs, each the child of the last: indexed down to a depth limit, not
    /// recursed into until the stack runs out.
    @Test func deeplyNestedSubprograms() throws {
        let bytes = try FixtureBinaries.decompressed("hostile/dwarf-nested.elf")
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("stackfold-dwarf-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("nested").path
        try bytes.write(to: URL(fileURLWithPath: path))
        let start = ThreadCPUClock()
        let index = try #require(DwarfIndex(path: path))
        #expect(index.functionCount == DwarfIndex.maxNesting + 1)
        #expect(index.frames(at: 0x401004).first?.function == "f")
        #expect(start.seconds < 10)
    }
}

/// This process's resident set (VmRSS), in bytes.
func residentBytes() -> Int {
    guard let s = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
          let line = s.split(separator: "\n").first(where: { $0.hasPrefix("VmRSS:") }) else { return 0 }
    return (Int(line.split(separator: " ").dropFirst().first ?? "0") ?? 0) * 1024
}
