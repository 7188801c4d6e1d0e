import Foundation
import Testing
@testable import Symbolize

/// The DWARF reader against llvm-symbolizer: for every address of Fixtures/dwarf/*.addrs, the frames
/// (function, file, line, inlined frames innermost first) must be exactly what
/// `llvm-symbolizer --inlines --output-style=JSON` printed for it (Fixtures/dwarf/*.llvm.jsonl, written by
/// Fixtures/generate-dwarf.sh; commands in Fixtures/dwarf/commands.log). llvm-symbolizer is not needed here.
@Suite struct DwarfLLVMTests {
    struct LLVMAnswer: Decodable {
        struct Symbol: Decodable { var FunctionName: String; var FileName: String; var Line: Int }
        var Address: String
        var Symbol: [Symbol]
    }
    struct Frame: Equatable, CustomStringConvertible {
        var function: String, file: String, line: Int
        var description: String { "\(function) \(file):\(line)" }
    }

    /// llvm-symbolizer's answers, in our conventions: an unknown function or file is "??" (llvm's JSON
    /// prints ""), and "no frame at all" is no frames. `goNames`: the pclntab's spelling of Go names
    /// (no `.abi0` on assembly symbols; file names not prefixed with the `./` of DW_AT_comp_dir ".").
    static func reference(_ name: String, goNames: Bool = false) throws -> [(UInt64, [Frame])] {
        let dir = Paths.fixtures.appendingPathComponent("dwarf")
        let addrs = try String(contentsOf: dir.appendingPathComponent("\(name).addrs"), encoding: .utf8).split(
            separator: "\n")
        let lines = try String(contentsOf: dir.appendingPathComponent("\(name).llvm.jsonl"), encoding: .utf8).split(
            separator: "\n")
        #expect(addrs.count == lines.count, "\(name): one answer per address")
        return try zip(addrs, lines).map { a, l in
            let answer = try JSONDecoder().decode(LLVMAnswer.self, from: Data(l.utf8))
            let addr = try #require(UInt64(a.dropFirst(2), radix: 16))
            #expect(UInt64(answer.Address.dropFirst(2), radix: 16) == addr)
            var frames = answer.Symbol.map { s in
                var f = Frame(
                    function: s.FunctionName.isEmpty ? "??" : s.FunctionName,
                    file: s.FileName.isEmpty ? "??" : s.FileName, line: s.Line)
                if goNames {
                    if f.function.hasSuffix(".abi0") { f.function.removeLast(5) }
                    if f.file.hasPrefix("./") { f.file.removeFirst(2) }
                }
                return f
            }
            if frames == [Frame(function: "??", file: "??", line: 0)] { frames = [] }
            return (addr, frames)
        }
    }

    /// (binary under Fixtures/bin, reference name, source, Go spelling, minimum answers, minimum inline chains)
    static let cases: [(String, String, SymbolSource, Bool, Int, Int)] = [
        ("c/cwork", "c-cwork", .dwarf, false, 200, 40),
        ("go1.25/cgo", "cgo-c", .dwarf, false, 900, 30),
        // C code is not in the pclntab, so DWARF answers. Where DWARF has nothing (the C runtime's start
        // files), auto gives the ELF symbol alone, without llvm's STT_FILE name: those addresses are checked
        // by function name (`startFilesNamedAsLLVM`).
        ("go1.25/cgo", "cgo-c", .auto, false, 800, 30),
        ("go1.25/cgo-pie", "cgo-pie-c", .dwarf, false, 900, 30),
        ("go1.25/cgo", "cgo-go", .dwarf, false, 250, 20),
        ("go1.25/cgo", "cgo-go", .pclntab, true, 250, 20),  // the pclntab of an externally linked binary
        ("go1.25/cgo-pie", "cgo-pie-go", .pclntab, true, 250, 20),  // ... and of an external PIE (in .data.rel.ro)
        ("go1.25/cgo-pie-stripped", "cgo-pie-go", .pclntab, true, 250, 20),  // ... stripped: found through relocations
        ("go1.21/workload", "go1.21-workload", .dwarf, false, 4000, 500),  // DWARF 4
        ("go1.25/workload", "go1.25-workload", .dwarf, false, 4000, 500),  // DWARF 5
        ("go1.27/workload", "go1.27-workload", .dwarf, false, 5000, 500),
    ]

    @Test(arguments: cases)
    func framesMatchLLVMSymbolizer(_ binary: String, _ name: String, _ source: SymbolSource, _ goNames: Bool,
                                   _ minAnswers: Int, _ minChains: Int) throws {
        var ref = try DwarfLLVMTests.reference(name, goNames: goNames)
        let image = try BinaryImage(path: try FixtureBinaries.path(binary), source: source)
        if source == .auto { ref = ref.filter { image.dwarf?.frames(at: $0.0).isEmpty == false } }
        #expect(ref.count >= minAnswers)
        #expect(ref.filter { $0.1.count > 1 }.count >= minChains, "the reference must cover inlined frames")
        var mismatches: [String] = []
        for (addr, want) in ref {
            let got = image.frames(at: addr).map { Frame(function: $0.function, file: $0.file, line: $0.line) }
            if got != want { mismatches.append("0x\(String(addr, radix: 16)): ours \(got) llvm \(want)") }
        }
        #expect(
            mismatches.isEmpty,
            "\(binary) \(source): \(mismatches.count) of \(ref.count) differ; first: \(mismatches.prefix(3))")
    }

    /// Where DWARF has nothing (crt's start files: `deregister_tm_clones`, `frame_dummy`, `_fini` have no
    /// size), auto names the address as llvm-symbolizer does: a symbol without a size holds the bytes up to
    /// the next symbol, or to its section's end (perf's symbols__fixup_end does the same).
    @Test(arguments: [("c/cwork", "c-cwork"), ("go1.25/cgo", "cgo-c")])
    func startFilesNamedAsLLVM(_ binary: String, _ name: String) throws {
        let image = try BinaryImage(path: try FixtureBinaries.path(binary), source: .auto)
        let ref = try DwarfLLVMTests.reference(name).filter { image.dwarf?.frames(at: $0.0).isEmpty != false }
        let syms = image.elf.functionSymbols
        let zeroSize = ref.filter { a, _ in syms.last { $0.value <= a }.map { $0.size == 0 && $0.value < a } == true }
        #expect(zeroSize.count >= 20, "the reference must hold addresses past the start of a size-0 symbol")
        var mismatches: [String] = []
        for (addr, want) in ref {
            let got = image.frames(at: addr).last?.function
            if got != want.last?.function { mismatches.append("0x\(String(addr, radix: 16)): ours \(got ?? "-") llvm \(want)") }
        }
        #expect(mismatches.isEmpty, "\(binary): \(mismatches.count) of \(ref.count) differ; first: \(mismatches.prefix(3))")
    }

    /// Inlined frames are marked, the outermost is not, and its offset is from the symbol llvm-symbolizer names.
    @Test func inlinedChainOfTheCHelpers() throws {
        let image = try BinaryImage(path: Paths.fixtures.appendingPathComponent("bin/c/cwork").path, source: .dwarf)
        let ref = try DwarfLLVMTests.reference("c-cwork")
        let deepest = try #require(ref.max { $0.1.count < $1.1.count })
        let frames = image.frames(at: deepest.0)
        #expect(frames.count == 4, "c_hash > fnv_buffer > fnv_block > fnv_step")
        #expect(frames.dropLast().allSatisfy(\.isInlined) && frames.last?.isInlined == false)
        let sym = try #require(image.elf.namingSymbol(at: deepest.0))
        #expect(frames.last?.offset == deepest.0 - sym.value)
    }

    /// Return addresses in C code look up the call instruction before them, except at a function entry.
    @Test(arguments: [SymbolSource.auto, .dwarf])
    func returnAddressesInCCode(_ source: SymbolSource) throws {
        let image = try BinaryImage(path: Paths.fixtures.appendingPathComponent("bin/go1.25/cgo").path, source: source)
        let sym = try #require(image.elf.functionSymbols.first { $0.name == "c_sum_squares" })
        #expect(image.frames(at: sym.value, isReturnAddress: true) == image.frames(at: sym.value))
        #expect(image.frames(at: sym.value, isReturnAddress: true).last?.function == "c_sum_squares")
        for a in sym.value + 1..<sym.value + sym.size {
            #expect(image.frames(at: a, isReturnAddress: true) == image.frames(at: a - 1))
        }
    }

    /// The index is built from libdw once; later lookups are answered from it (and cached per address).
    @Test func indexIsBuiltOnceAndCoversTheCUs() throws {
        let image = try BinaryImage(path: Paths.fixtures.appendingPathComponent("bin/go1.25/cgo").path, source: .dwarf)
        let d = try #require(image.dwarf)
        #expect(d.unitCount > 10)  // Go packages and C files (runtime/cgo's and the fixture's)
        #expect(d.functionCount > 1000)
        #expect(d.inlinedCount > 1000)
        #expect(
            try BinaryImage(path: Paths.fixtures.appendingPathComponent("bin/go1.25/workload-sw").path).dwarf == nil)
    }
}
