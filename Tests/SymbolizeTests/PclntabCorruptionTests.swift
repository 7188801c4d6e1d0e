import BinaryIO
import Foundation
import Testing
import TestSupport
@testable import Symbolize

/// A damaged pclntab (or the moduledata and relocations leading to it) must give frames, nothing, or an
/// error, never a trap or a hang. Copies of fixture binaries made from fixed seeds (SplitMix64),
/// so a failure names one to replay; scripts/fuzz.sh pclntab fuzzes the same reader with libFuzzer.
@Suite struct PclntabCorruptionTests {
    typealias Rng = SplitMix64

    /// Reads `bytes` as an ELF file and looks up `addrs`: the reader may refuse it, otherwise every answer is
    /// a bounded list of frames. Returns whether a pclntab was read.
    static func lookUp(_ bytes: [UInt8], _ addrs: [UInt64], _ label: String) -> Bool {
        guard let elf = try? bytes.withUnsafeBufferPointer({ try ELFFile(file: MappedFile(path: label, copying: $0)) }),
              let p = try? GoPclntab(elf: elf) else { return false }
        for a in addrs {
            let frames = p.elideWrappers(p.frames(at: a))
            #expect(frames.count <= 257, "\(label): \(frames.count) frames at 0x\(String(a, radix: 16))")
            _ = p.functionEntry(a)
        }
        return true
    }

    /// (binary, the region to damage: a section, or "pcHeader+moduledata" of a stripped external PIE)
    @Test(arguments: [
        ("go1.25/workload-stripped", ".gopclntab"), ("go1.21/workload-stripped", ".gopclntab"),
        ("go1.25/workload-extpie-lld-stripped", ".rela.dyn"), ("go1.25/workload-extpie-lld-stripped", ".data.rel.ro")
    ])
    func flippedBytes(_ binary: String, _ section: String) throws {
        let path = try FixtureBinaries.path(binary)
        let original = try [UInt8](Data(contentsOf: URL(fileURLWithPath: path)))
        let elf = try ELFFile(path: path)
        let sec = try #require(elf.section(named: section))
        let intact = try #require(try GoPclntab(elf: elf))
        // Addresses across the text: function entries and insides.
        let addrs = (0..<300).map { intact.textStart + UInt64($0) * 2749 }
        var read = 0
        for seed in 0..<200 {
            var rng = Rng(seed: UInt64(seed) &* 0x1000_0001)
            var bytes = original
            for _ in 0..<(1 + rng.below(16)) {
                // Half the flips in the first 256 bytes (pcHeader, and the first relocations), the rest anywhere.
                let span = rng.below(2) == 0 ? min(256, Int(sec.size)) : Int(sec.size)
                bytes[Int(sec.offset) + rng.below(span)] ^= UInt8(1 + rng.below(255))
            }
            if Self.lookUp(bytes, addrs, "\(binary)-\(section)-\(seed)") { read += 1 }
        }
        #expect(Self.lookUp(original, addrs, binary), "the intact binary is read")
        #expect(read > 0, "most flips leave the header and moduledata intact: those copies are still read")
    }

    /// The pclntab section's header made to point outside the file, or cut to a few bytes.
    @Test(arguments: [(24, UInt64.max - 16), (32, UInt64.max), (32, 40), (32, 0), (16, UInt64.max - 100)])
    func sectionHeaderDamaged(_ field: Int, _ value: UInt64) throws {
        let path = try FixtureBinaries.path("go1.25/workload-stripped")
        var bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: path)))
        let elf = try ELFFile(path: path)
        let at = try #require(DwarfCorruptionTests.sectionHeaderOffset(elf, ".gopclntab", bytes))
        DwarfCorruptionTests.put64(&bytes, at + field, value)  // sh_addr 16, sh_offset 24, sh_size 32
        _ = Self.lookUp(bytes, [0x401000, 0x45_0000, .max], "sh\(field)")
    }
}
