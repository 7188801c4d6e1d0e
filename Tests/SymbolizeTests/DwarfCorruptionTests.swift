import Foundation
import Testing
import TestSupport
@testable import Symbolize

/// Damaged DWARF must give frames or nothing, never a trap or a hang: copies of the fixture binaries with
/// bytes flipped in their debug sections, sections cut short or pointing outside the file, and the file
/// cut inside `.debug_info`. Every variant is made from a fixed seed, so a failure names one to replay.
@Suite struct DwarfCorruptionTests {
    static let debugSections = [".debug_info", ".debug_abbrev", ".debug_line", ".debug_rnglists", ".debug_loclists",
                                ".debug_str", ".debug_line_str", ".debug_aranges", ".debug_addr"]

    static func addresses(_ name: String) throws -> [UInt64] {
        try String(contentsOf: Paths.fixtures.appendingPathComponent("dwarf/\(name).addrs"), encoding: .utf8)
            .split(separator: "\n").compactMap { UInt64($0.dropFirst(2), radix: 16) }
    }

    /// Writes `bytes` to a temporary file, symbolizes `addrs` from it (DWARF only, then auto) and checks
    /// that every answer is a plausible list of frames. A binary refused with an error is fine too.
    static func symbolize(_ bytes: [UInt8], _ addrs: [UInt64], _ label: String) throws -> (
        answers: [[SourceFrame]], refused: Bool
    ) {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("stackfold-dwarf-\(getpid())-\(label)")
        try Data(bytes).write(to: url)
        defer { try? FileManager.default.removeItem(at: url) }
        var answers: [[SourceFrame]] = []
        for source in [SymbolSource.dwarf, .auto] {
            let image: BinaryImage
            do { image = try BinaryImage(path: url.path, source: source) } catch { return ([], true) }
            for a in addrs {
                let frames = image.frames(at: a)
                #expect(frames.count <= 256, "\(label): \(frames.count) frames at 0x\(String(a, radix: 16))")
                answers.append(frames)
            }
        }
        return (answers, false)
    }

    static func sectionHeaderOffset(_ elf: ELFFile, _ name: String, _ bytes: [UInt8]) -> Int? {
        guard let i = elf.sections.firstIndex(where: { $0.name == name }) else { return nil }
        let shoff = bytes[40..<48].reversed().reduce(0) { $0 << 8 | Int($1) }
        return shoff + i * 64
    }

    static func put64(_ bytes: inout [UInt8], _ at: Int, _ v: UInt64) {
        for k in 0..<8 { bytes[at + k] = UInt8(truncatingIfNeeded: v >> (8 * UInt64(k))) }
    }

    /// Uncompressed DWARF (gcc): bytes flipped inside each debug section, 40 seeds.
    @Test func flippedBytesInTheCBinary() throws {
        let path = Paths.fixtures.appendingPathComponent("bin/c/cwork").path
        let original = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        let elf = try ELFFile(path: path)
        let addrs = try DwarfCorruptionTests.addresses("c-cwork")
        let present = DwarfCorruptionTests.debugSections.compactMap { elf.section(named: $0) }
        #expect(present.count >= 6)
        let clean = try DwarfCorruptionTests.symbolize(original, addrs, "clean")
        #expect(clean.answers.filter { $0.first?.line ?? 0 > 0 }.count > addrs.count, "the intact copy has lines")
        var refused = 0, changed = 0
        for seed in 0..<40 {
            var rng = SplitMix64(seed: UInt64(seed))
            var bytes = original
            let s = present[rng.below(present.count)]
            let flips = 1 + rng.below(16)
            for _ in 0..<flips {
                let at = Int(s.offset) + rng.below(Int(s.size))
                bytes[at] ^= UInt8(1 + rng.below(255))
            }
            let r = try DwarfCorruptionTests.symbolize(bytes, addrs, "flip-\(seed)")
            if r.refused { refused += 1 }
            if r.answers != clean.answers { changed += 1 }
        }
        #expect(refused == 0, "only DWARF was damaged: the ELF file itself still opens")
        #expect(changed >= 10, "the damage reaches the answers (\(changed) of 40 variants)")
    }

    /// Sections zeroed, filled with 0xff, cut short, or pointing past the end of the file.
    @Test func damagedSectionsInTheCBinary() throws {
        let path = Paths.fixtures.appendingPathComponent("bin/c/cwork").path
        let original = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        let elf = try ELFFile(path: path)
        let addrs = try DwarfCorruptionTests.addresses("c-cwork")
        for name in DwarfCorruptionTests.debugSections {
            guard let s = elf.section(named: name),
                let sh = DwarfCorruptionTests.sectionHeaderOffset(elf, name, original)
            else { continue }
            let range = Int(s.offset)..<Int(s.offset + s.size)
            var zero = original
            zero.replaceSubrange(range, with: repeatElement(0, count: range.count))
            _ = try DwarfCorruptionTests.symbolize(zero, addrs, "zero\(name)")
            var ones = original
            ones.replaceSubrange(range, with: repeatElement(0xff, count: range.count))
            _ = try DwarfCorruptionTests.symbolize(ones, addrs, "ff\(name)")
            var half = original
            DwarfCorruptionTests.put64(&half, sh + 32, s.size / 2)  // sh_size
            _ = try DwarfCorruptionTests.symbolize(half, addrs, "half\(name)")
            var huge = original
            DwarfCorruptionTests.put64(&huge, sh + 32, 1 << 40)
            _ = try DwarfCorruptionTests.symbolize(huge, addrs, "huge\(name)")
            var outside = original
            DwarfCorruptionTests.put64(&outside, sh + 24, UInt64(original.count) + 4096)  // sh_offset
            _ = try DwarfCorruptionTests.symbolize(outside, addrs, "outside\(name)")
        }
        // The file cut inside .debug_info: section headers (at the end) are gone, so the ELF is refused.
        let info = try #require(elf.section(named: ".debug_info"))
        let cut = Array(original.prefix(Int(info.offset + info.size / 2)))
        #expect(try DwarfCorruptionTests.symbolize(cut, addrs, "cut").refused)
    }

    /// Compressed DWARF (SHF_COMPRESSED, zlib; Go's): damaged payload and header; Go code still answers
    /// from the pclntab.
    @Test func damagedCompressedSectionsInTheCgoBinary() throws {
        let path = Paths.fixtures.appendingPathComponent("bin/go1.25/cgo").path
        let original = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        let elf = try ELFFile(path: path)
        let info = try #require(elf.section(named: ".debug_info"))
        #expect(info.flags & 0x800 != 0, "SHF_COMPRESSED")
        let cAddrs = try DwarfCorruptionTests.addresses("cgo-c")
        let goAddrs = try DwarfCorruptionTests.addresses("cgo-go")
        var payload = original
        var rng = SplitMix64(seed: 7)
        for _ in 0..<64 { payload[Int(info.offset) + 24 + rng.below(Int(info.size) - 24)] ^= 0x5a }
        var header = original
        DwarfCorruptionTests.put64(&header, Int(info.offset) + 8, 1 << 40)  // Elf64_Chdr.ch_size
        var abbrev = original
        if let a = elf.section(named: ".debug_abbrev") {
            for k in 24..<Int(a.size) where k % 3 == 0 { abbrev[Int(a.offset) + k] ^= 0xff }
        }
        for (label, bytes) in [("payload", payload), ("chsize", header), ("abbrev", abbrev)] {
            _ = try DwarfCorruptionTests.symbolize(bytes, cAddrs, "cgo-\(label)")
            let url = FileManager.default.temporaryDirectory.appendingPathComponent(
                "stackfold-dwarf-\(getpid())-go-\(label)")
            try Data(bytes).write(to: url)
            defer { try? FileManager.default.removeItem(at: url) }
            let image = try BinaryImage(path: url.path)
            #expect(goAddrs.allSatisfy { !image.frames(at: $0).isEmpty }, "\(label): Go code answers from the pclntab")
        }
    }
}
