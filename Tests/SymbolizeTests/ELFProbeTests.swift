import BinaryIO
import Foundation
import Testing
import TestSupport
@testable import Symbolize

/// A folder scan reads each file with `ELFProbe` (a few preads), not `ELFFile` (a mapping): the answers
/// must be `ELFFile`'s, for the fixtures as they are and for copies with bytes of their headers, section
/// table, section names and notes changed at random. `unsure` (ask `ELFFile`) is allowed only there.
@Suite struct ELFProbeTests {
    /// What `ELFFile` says of `bytes`.
    static func expected(_ bytes: [UInt8]) -> ELFProbe.Outcome {
        guard let elf = try? ELFFile(file: MappedFile(path: "probe", copying: bytes)) else { return .notELF }
        return .elf(ELFProbe(isDebugOnly: elf.isDebugOnly, buildID: elf.buildID, goBuildID: elf.goBuildID()))
    }

    static func probe(_ bytes: [UInt8]) -> ELFProbe.Outcome {
        ELFProbe.probe(size: UInt64(bytes.count)) { off, n in
            guard off <= UInt64(bytes.count), n <= bytes.count - Int(off) else { return nil }
            return Array(bytes[Int(off)..<Int(off) + n])
        }
    }

    static var fixtureFiles: [String] {
        var out: [String] = []
        for sub in ["bin", "debugfile", "hostile"] {
            let root = Paths.fixtures.appendingPathComponent(sub)
            guard let e = FileManager.default.enumerator(atPath: root.path) else { continue }
            for case let rel as String in e {
                let p = root.appendingPathComponent(rel).path
                var st = stat()
                if lstat(p, &st) == 0, (st.st_mode & S_IFMT) == S_IFREG, st.st_size > 64 { out.append(p) }
            }
        }
        return out.sorted()
    }

    /// Every fixture file over 64 bytes (binaries, patches, debug files, hostile files), and three
    /// binaries rebuilt from patches: the probe of the file on disk gives `ELFFile`'s answers, never unsure.
    @Test func fixturesAsTheyAre() throws {
        var paths = Self.fixtureFiles
        for name in ["go1.25/workload-pie-stripped", "go1.24/workload-ext", "c/cwork-gz"] {
            paths.append(try FixtureBinaries.path(name))
        }
        #expect(paths.count > 100)
        var elves = 0, debugOnly = 0, goOnly = 0
        for p in paths {
            let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: p)))
            let want = Self.expected(bytes), got = ELFProbe.probe(path: p)
            #expect(got == want, "\(p)")
            if case .elf(let e) = want {
                elves += 1
                if e.isDebugOnly { debugOnly += 1 }
                if e.buildID == nil, e.goBuildID != nil { goOnly += 1 }
            }
        }
        // The kinds the scan tells apart are all among them.
        #expect(elves > 30 && debugOnly > 0 && goOnly > 0, "\(elves) \(debugOnly) \(goOnly)")
    }

    /// Random bytes changed where the probe reads: the same answers, or unsure.
    @Test(arguments: ["c/cwork", "go1.25/cgo", "go1.21/workload"])
    func mutatedCopies(_ name: String) throws {
        let original = [UInt8](try Data(contentsOf: URL(fileURLWithPath: try FixtureBinaries.path(name))))
        let elf = try ELFFile(file: MappedFile(path: name, copying: original))
        // The regions read: the header, the section table, the section names, the notes.
        var regions: [Range<Int>] = [0..<64]
        let shoff = Int(original.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: 40, as: UInt64.self) })
        regions.append(shoff..<min(original.count, shoff + 64 * elf.sections.count))
        for s in elf.sections where s.type == 7 || s.type == 3 {
            regions.append(Int(s.offset)..<min(original.count, Int(s.offset + s.size)))
        }
        var rng = SplitMix64(seed: 4242)
        var same = 0, unsure = 0
        for _ in 0..<600 {
            var b = original
            for _ in 0..<Int.random(in: 1...4, using: &rng) {
                let r = regions.randomElement(using: &rng)!
                guard !r.isEmpty else { continue }
                b[Int.random(in: r, using: &rng)] = UInt8.random(in: 0...255, using: &rng)
            }
            let got = Self.probe(b)
            if got == .unsure { unsure += 1; continue }
            #expect(got == Self.expected(b))
            same += 1
        }
        #expect(same > 500, "\(same) compared, \(unsure) unsure")
    }
}
