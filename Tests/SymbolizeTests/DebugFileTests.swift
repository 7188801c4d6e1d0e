import Foundation
import Testing
@testable import Symbolize

/// Separate debug files: Fixtures/debugfile/cwork is Fixtures/bin/c/cwork stripped, its symbols and DWARF
/// in debugfile/.build-id/07/4ca….debug (Fixtures/generate-debugfile.sh). With the debug file, every
/// instruction of the C fixture must be symbolized exactly as the unstripped binary is; without it, only
/// from .dynsym; a debug file of another build, or failing the debuglink CRC32, is refused with a warning.
@Suite struct DebugFileTests {
    static let dir = Paths.fixtures.appendingPathComponent("debugfile").path
    static let stripped = dir + "/cwork"
    static let unstripped = Paths.fixtures.appendingPathComponent("bin/c/cwork").path
    static let buildID = "074ca19dd5f7a8acdd9c94abc4bcf71ea0b82d6d"
    static let debugFile = dir + "/.build-id/07/4ca19dd5f7a8acdd9c94abc4bcf71ea0b82d6d.debug"

    static func addresses() throws -> [UInt64] {
        try DwarfLLVMTests.reference("c-cwork").map(\.0)
    }

    static func image(_ path: String = stripped, _ search: DebugFileSearch?, source: SymbolSource = .auto) throws
        -> BinaryImage
    {
        let img = try BinaryImage(path: path, source: source)
        img.debugFileSearch = search
        return img
    }

    /// Every address, as a call site and as a return address: frames of `a` equal frames of `b`.
    static func differences(_ a: BinaryImage, _ b: BinaryImage, _ addrs: [UInt64]) -> [String] {
        var out: [String] = []
        for addr in addrs {
            for ret in [false, true] {
                let x = a.frames(at: addr, isReturnAddress: ret), y = b.frames(at: addr, isReturnAddress: ret)
                if x != y { out.append("0x\(String(addr, radix: 16)) ret=\(ret): \(x) vs \(y)") }
            }
        }
        return out
    }

    func temp() throws -> String {
        let d = FileManager.default.temporaryDirectory.appendingPathComponent(
            "stackfold-debugfile-\(UUID().uuidString)"
        ).path
        try FileManager.default.createDirectory(atPath: d, withIntermediateDirectories: true)
        return d
    }

    func copy(_ from: String, _ to: String, patch: ((inout [UInt8]) -> Void)? = nil) throws {
        try FileManager.default.createDirectory(
            atPath: (to as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        var b = [UInt8](try Data(contentsOf: URL(fileURLWithPath: from)))
        patch?(&b)
        try Data(b).write(to: URL(fileURLWithPath: to))
    }

    @Test func fixtureIsSplit() throws {
        let s = try ELFFile(path: Self.stripped), d = try ELFFile(path: Self.debugFile)
        #expect(!s.hasSymtab && !s.hasDWARF && !s.isDebugOnly)
        #expect(d.hasSymtab && d.hasDWARF && d.isDebugOnly)
        #expect(s.buildID == Self.buildID && d.buildID == Self.buildID)
        #expect(s.debugLink?.name == "cwork.debug")
        #expect(s.debugLink?.crc == crc32(d.file.bytes))
        #expect(crc32(UnsafeRawBufferPointer(start: nil, count: 0)) == 0)
        #expect(Array("123456789".utf8).withUnsafeBytes { crc32($0) } == 0xcbf4_3926)  // the CRC-32 check value
    }

    @Test(arguments: [SymbolSource.auto, .dwarf, .symtab])
    func byBuildIDEqualsUnstripped(_ source: SymbolSource) throws {
        let addrs = try Self.addresses()
        let img = try Self.image(
            Self.stripped, DebugFileSearch(buildIDDirs: ["/nonexistent", Self.dir]), source: source)
        let full = try BinaryImage(path: Self.unstripped, source: source)
        let diff = Self.differences(img, full, addrs)
        #expect(diff.isEmpty, "\(diff.count) differ; first: \(diff.prefix(3))")
        #expect(img.symbolFile.path == Self.debugFile)
        #expect(img.warnings.isEmpty)
        // Loaded bytes still come from the binary itself.
        #expect(img.elf.path == Self.stripped)
    }

    /// The debug file answers exactly llvm-symbolizer's reference for the unstripped binary (functions,
    /// files, lines, inlined frames).
    @Test func byBuildIDEqualsLLVMSymbolizer() throws {
        let ref = try DwarfLLVMTests.reference("c-cwork")
        let img = try Self.image(Self.stripped, DebugFileSearch(buildIDDirs: [Self.dir]), source: .dwarf)
        #expect(ref.filter { $0.1.count > 1 }.count >= 40, "the reference must cover inlined frames")
        var bad: [String] = []
        for (addr, want) in ref {
            let got = img.frames(at: addr).map {
                DwarfLLVMTests.Frame(function: $0.function, file: $0.file, line: $0.line)
            }
            if got != want { bad.append("0x\(String(addr, radix: 16)): \(got) vs \(want)") }
        }
        #expect(bad.isEmpty, "\(bad.count) of \(ref.count) differ; first: \(bad.prefix(3))")
    }

    /// Without a debug file only .dynsym names code: here nothing (an executable exports no functions).
    @Test(arguments: [nil, DebugFileSearch(buildIDDirs: ["/nonexistent"])])
    func withoutDebugFileOnlyDynsym(_ search: DebugFileSearch?) throws {
        let img = try Self.image(Self.stripped, search)
        let exported = Set(img.elf.functionSymbols.map(\.name))
        var named = 0
        for addr in try Self.addresses() {
            let f = img.frames(at: addr)
            named += f.isEmpty ? 0 : 1
            #expect(
                f.allSatisfy { exported.contains($0.function) && $0.file == "??" && $0.line == 0 },
                "0x\(String(addr, radix: 16)): \(f)")
        }
        #expect(named == 0)
        #expect(img.symbolFile === img.elf)
        #expect(img.warnings.isEmpty)
    }

    /// By `.gnu_debuglink`: beside the binary, in its `.debug/` folder, and under a global folder with the
    /// binary's folder below it (the symfs root left out).
    @Test(arguments: ["beside", "dot-debug", "global"])
    func byDebugLink(_ layout: String) throws {
        let t = try temp()
        defer { try? FileManager.default.removeItem(atPath: t) }
        let root = t + "/symfs", bin = root + "/opt/app/cwork"
        try copy(Self.stripped, bin)
        let debug = switch layout {
        case "beside": root + "/opt/app/cwork.debug"
        case "dot-debug": root + "/opt/app/.debug/cwork.debug"
        default: root + "/usr/lib/debug/opt/app/cwork.debug"
        }
        try copy(Self.debugFile, debug)
        let img = try Self.image(
            bin, DebugFileSearch(buildIDDirs: [t], globalDirs: [root + "/usr/lib/debug"], root: root))
        let diff = Self.differences(img, try BinaryImage(path: Self.unstripped), try Self.addresses())
        #expect(diff.isEmpty, "\(diff.count) differ; first: \(diff.prefix(3))")
        #expect(img.symbolFile.path == debug)
        #expect(img.warnings.isEmpty)
    }

    /// A debug file whose build-id is not the binary's is refused, named with both build-ids.
    @Test func otherBuildIDRefused() throws {
        let t = try temp()
        defer { try? FileManager.default.removeItem(atPath: t) }
        let wrong = t + "/.build-id/07/4ca19dd5f7a8acdd9c94abc4bcf71ea0b82d6d.debug"
        let want = Self.buildID.chunks2
        try copy(Self.debugFile, wrong) { b in
            let i = try! #require(b.firstRange(of: want))
            b[i.upperBound - 1] ^= 0xff
        }
        let other = "074ca19dd5f7a8acdd9c94abc4bcf71ea0b82d" + String(format: "%02x", 0x6d ^ 0xff)
        #expect(try ELFFile(path: wrong).buildID == other)
        let img = try Self.image(Self.stripped, DebugFileSearch(buildIDDirs: [t]))
        #expect(img.frames(at: 0x1100).isEmpty)
        #expect(img.symbolFile === img.elf)
        #expect(
            img.warnings == [
                "\(wrong): build-id \(other) does not match the build-id \(Self.buildID) of \(Self.stripped); not used as its debug file"
            ])
        // The right one, further on, is still found after the refusal.
        let img2 = try Self.image(Self.stripped, DebugFileSearch(buildIDDirs: [t, Self.dir]))
        #expect(img2.symbolFile.path == Self.debugFile)
        #expect(img2.warnings.count == 1)
    }

    /// By debuglink, a file with the right name but other contents fails the CRC32 and is refused.
    @Test func debugLinkCRCMismatchRefused() throws {
        let t = try temp()
        defer { try? FileManager.default.removeItem(atPath: t) }
        let bin = t + "/cwork", debug = t + "/cwork.debug"
        try copy(Self.stripped, bin)
        // A byte of .comment (the compiler's version string): still a valid ELF with the same build-id.
        try copy(Self.debugFile, debug) { b in
            let i = try! #require(b.firstRange(of: Array("GCC: ".utf8)))
            b[i.lowerBound] = UInt8(ascii: "g")
        }
        let img = try Self.image(bin, DebugFileSearch())
        #expect(img.symbolFile === img.elf)
        #expect(img.warnings.count == 1)
        #expect(img.warnings.first?.hasPrefix("\(debug): CRC32 0x") == true)
        #expect(
            img.warnings.first?.hasSuffix(
                "does not match the .gnu_debuglink CRC32 0x\(String(img.elf.debugLink!.crc, radix: 16)) of \(bin); not used as its debug file"
            ) == true)
    }

    /// A binary with its own symbols and DWARF never looks (and never warns).
    @Test func unstrippedNeverLooks() throws {
        let img = try Self.image(Self.unstripped, DebugFileSearch(buildIDDirs: [Self.dir]))
        #expect(img.symbolFile === img.elf)
    }
}

extension String {
    /// Hex digits as bytes: "0a1b" -> [0x0a, 0x1b].
    var chunks2: [UInt8] {
        let u = Array(utf8)
        return stride(from: 0, to: u.count, by: 2).map {
            UInt8(String(decoding: u[$0..<$0 + 2], as: UTF8.self), radix: 16)!
        }
    }
}
