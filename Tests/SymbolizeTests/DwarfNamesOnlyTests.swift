import Foundation
import Testing
@testable import Symbolize

/// DWARF frames asked for without file and line (`frames(at:…, lines: false)`: a fold that prints names
/// only) name the same functions as llvm-symbolizer, and decode no line table where a subprogram holds the
/// address: libdw decodes and sorts a unit's whole line program to name even one file (issue 17: most of
/// a cgo capture's DWARF cost).
@Suite struct DwarfNamesOnlyTests {
    static let cases = DwarfLLVMTests.cases.filter { $0.2 != .pclntab }

    /// Every reference address: the names-only frames have llvm-symbolizer's function names, and equal the
    /// full frames but for file and line; the full frames asked afterwards of the same image (whose index
    /// was built without naming any file) are still llvm-symbolizer's, files and lines included.
    @Test(arguments: cases)
    func sameNamesAsLLVMSymbolizer(_ binary: String, _ name: String, _ source: SymbolSource, _ goNames: Bool,
                                   _ minAnswers: Int, _ minChains: Int) throws {
        var ref = try DwarfLLVMTests.reference(name, goNames: goNames)
        let image = try BinaryImage(path: try FixtureBinaries.path(binary), source: source)
        let full = try BinaryImage(path: try FixtureBinaries.path(binary), source: source)
        if source == .auto { ref = ref.filter { full.dwarf?.frames(at: $0.0).isEmpty == false } }
        #expect(ref.count >= minAnswers)
        var mismatches: [String] = []
        for (addr, want) in ref {
            let named = image.frames(at: addr, lines: false)
            let complete = full.frames(at: addr)
            if named.map(\.function) != want.map(\.function) {
                mismatches.append("0x\(String(addr, radix: 16)): ours \(named.map(\.function)) llvm \(want)")
            }
            #expect(named.allSatisfy { $0.file.isEmpty && $0.line == 0 })
            #expect(named == complete.map { f in
                var f = f
                (f.file, f.line) = ("", 0)
                return f
            })
        }
        #expect(mismatches.isEmpty, "\(binary): \(mismatches.count) of \(ref.count) differ; first: \(mismatches.prefix(3))")
        for (addr, want) in ref {
            let got = image.frames(at: addr).map { DwarfLLVMTests.Frame(function: $0.function, file: $0.file, line: $0.line) }
            #expect(got == want, "0x\(String(addr, radix: 16)) after the names-only lookups")
        }
    }

    /// A names-only lookup decodes a line table only where no subprogram holds the address (a row there
    /// decides whether DWARF answers at all); the full lookup of the same address decodes its unit's.
    @Test(arguments: [("c/cwork", "c-cwork"), ("go1.25/cgo", "cgo-c"), ("go1.25/workload", "go1.25-workload")])
    func noLineTableDecodedForNames(_ binary: String, _ name: String) throws {
        let ref = try DwarfLLVMTests.reference(name)
        let addrs = ref.map(\.0)
        let d = try DwarfLazyIndexTests.index(binary)
        var named = 0
        for a in addrs {
            let before = d.decodedLineTableCount
            let f = d.frames(at: a, lines: false)
            guard let last = f.last, !last.function.isEmpty else { continue }
            named += 1
            #expect(d.decodedLineTableCount == before, "0x\(String(a, radix: 16)) \(last.function)")
        }
        #expect(named >= 100)
        // An inlined chain (llvm-symbolizer's): its call files are named only when asked for.
        let inlinedAt = try #require(ref.first { $0.1.count > 1 }).0
        let fresh = try DwarfLazyIndexTests.index(binary)
        #expect(fresh.frames(at: inlinedAt, lines: false).count > 1)
        #expect(fresh.indexedUnitCount > 0 && fresh.decodedLineTableCount == 0)
        #expect(fresh.frames(at: inlinedAt).first?.line ?? 0 > 0)
        #expect(fresh.decodedLineTableCount > 0)
    }
}
