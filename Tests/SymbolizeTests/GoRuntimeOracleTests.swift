import BinaryIO
import Foundation
import Testing
@testable import Symbolize

/// Every address sampled in the fixture captures (and every instruction of the workload's own code),
/// symbolized from the binary, must give exactly the frames the Go runtime itself reports for it
/// (Fixtures/oracle/*.jsonl, written by the workload's oracle mode with runtime.CallersFrames):
/// same functions, files and lines, inlined frames included, from the unstripped and the stripped binary.
/// Every build variant answers for its own addresses (Fixtures/generate-variants.sh): `-s -w`, PIE,
/// `-trimpath`, and cgo with external linking (plain and PIE, by GNU ld and lld), each also `strip`ped.
@Suite struct GoRuntimeOracleTests {
    struct Answer: Decodable, Equatable {
        struct Frame: Decodable, Equatable { var function: String; var file: String; var line: Int }
        var addr: String
        var frames: [Frame]
    }

    static let versions = ["1.21", "1.22", "1.23", "1.24", "1.25", "1.26", "1.27"]
    static let variants = ["", "-sw", "-pie", "-trimpath", "-ext", "-extpie"]
    /// External PIEs linked by lld (which, unlike GNU ld, leaves 0 where relocation addends go) for these.
    static let lldVersions: Set<String> = ["1.25", "1.27"]
    static let cases = versions.flatMap { v in
        (variants + (lldVersions.contains(v) ? ["-extpie-lld"] : [])).flatMap { variant in
            ["workload\(variant)", "workload\(variant)-stripped"].map { (v, $0) }
        }
    }

    /// The oracle's answers for a binary: the default build's (sampled addresses and main.*) or a variant's.
    static func answers(_ version: String, _ binary: String) throws -> [Answer] {
        var variant = binary.dropFirst("workload".count)
        if variant.hasSuffix("-stripped") { variant = variant.dropLast("-stripped".count) }
        let text =
            variant.isEmpty
            ? try String(
                contentsOf: Paths.fixtures.appendingPathComponent("oracle/go\(version).jsonl"), encoding: .utf8)
            : String(decoding: try FixtureBinaries.decompressed("oracle/go\(version)\(variant).jsonl"), as: UTF8.self)
        return try text.split(separator: "\n").map { try JSONDecoder().decode(Answer.self, from: Data($0.utf8)) }
    }

    @Test(arguments: cases)
    func framesMatchTheGoRuntime(_ version: String, _ binary: String) throws {
        let answers = try Self.answers(version, binary)
        #expect(answers.count > 1000)
        #expect(answers.filter { $0.frames.count > 1 }.count > 100, "the oracle must cover inlined frames")
        let image = try BinaryImage(path: try FixtureBinaries.path("go\(version)/\(binary)"))
        #expect(image.pclntab?.goVersion?.hasPrefix("go\(version).") == true)
        if binary.hasSuffix("-stripped") || binary.hasPrefix("workload-sw") {
            #expect(image.elf.functionSymbols.filter { $0.name.hasPrefix("main.") }.isEmpty)
        }
        // The runtime names nothing whose name sits at offset 0 of funcnametab (moduledata.funcName treats
        // nameOff 0 as "no name"): the first function of the table, which CallersFrames then leaves out.
        // We name it; that one name is dropped from our frames before comparing.
        let unnamedByRuntime = try #require(image.pclntab.map { $0.cstr($0.funcnametab) })
        var mismatches: [String] = []
        for a in answers {
            let addr = UInt64(a.addr.dropFirst(2), radix: 16)!
            let ours = image.frames(at: addr, goStyle: true).filter { $0.function != unnamedByRuntime }
                .map { Answer.Frame(function: goPrintName($0.function), file: $0.file, line: $0.line) }
            if ours != a.frames { mismatches.append("\(a.addr): ours \(ours) runtime \(a.frames)") }
            // The names-only lookup a fold without --srcline makes (no file, no line): the runtime's functions.
            let named = image.frames(at: addr, goStyle: true, lines: false).filter { $0.function != unnamedByRuntime }
                .map { goPrintName($0.function) }
            if named != a.frames.map(\.function) { mismatches.append("\(a.addr): names only \(named) runtime \(a.frames)") }
        }
        #expect(mismatches.isEmpty, "\(mismatches.count) of \(answers.count) differ; first: \(mismatches.first ?? "")")
    }

    @Test func strippedBinaryHasNoSymbolsButAPclntab() throws {
        let stripped = try BinaryImage(path: Paths.fixtures.appendingPathComponent("bin/go1.25/workload-stripped").path)
        let full = try BinaryImage(path: Paths.fixtures.appendingPathComponent("bin/go1.25/workload").path)
        #expect(stripped.elf.functionSymbols.isEmpty)
        #expect(!full.elf.functionSymbols.isEmpty)
        #expect(stripped.pclntab != nil)
        #expect(stripped.buildID == full.buildID)
        #expect(stripped.buildID?.count == 40)
    }

    /// A stripped external PIE has no pclntab section and no symbols: the table is found by its header and
    /// the moduledata that points at it, and answers exactly as from the unstripped binary.
    @Test func strippedExternalPIEIsFoundByItsHeader() throws {
        let full = try BinaryImage(path: try FixtureBinaries.path("go1.25/cgo-pie"), source: .pclntab)
        let stripped = try BinaryImage(path: try FixtureBinaries.path("go1.25/cgo-pie-stripped"), source: .pclntab)
        #expect(stripped.elf.section(named: ".gopclntab") == nil && stripped.elf.symbolValue("runtime.pclntab") == nil)
        let (p, q) = (try #require(full.pclntab), try #require(stripped.pclntab))
        #expect(q.textStart == p.textStart && q.goFunc == p.goFunc && q.table.count == p.table.count)
        let addrs = try String(
            contentsOf: Paths.fixtures.appendingPathComponent("dwarf/cgo-pie-go.addrs"), encoding: .utf8
        )
        .split(separator: "\n").compactMap { UInt64($0.dropFirst(2), radix: 16) }
        #expect(addrs.count > 250)
        #expect(addrs.allSatisfy { !full.frames(at: $0).isEmpty && stripped.frames(at: $0) == full.frames(at: $0) })
    }

    /// Linked by lld, moduledata's pointers are zeros in the file: only the R_X86_64_RELATIVE relocations of
    /// DT_RELA hold them. Without those (DT_RELA's tag made DT_NULL) the table is not found: no frames, no trap.
    @Test func lldPIEPointersComeFromRelocations() throws {
        let full = try ELFFile(path: try FixtureBinaries.path("go1.25/workload-extpie-lld"))
        let path = try FixtureBinaries.path("go1.25/workload-extpie-lld-stripped")
        let stripped = try ELFFile(path: path)
        let md = try #require(full.symbolValue("runtime.firstmoduledata"))
        let pcHeader = try #require(full.symbolValue("runtime.pclntab"))
        #expect(stripped.read(virtualAddress: md, count: 8)?.allSatisfy { $0 == 0 } == true)
        #expect(stripped.relativeRelocations[md] == pcHeader)
        #expect(stripped.word(atVirtualAddress: md, size: 8) == pcHeader)
        #expect(try GoPclntab(elf: stripped)?.textStart == full.symbolValue("runtime.text"))

        let damaged = try Self.withDynamicEntry(path, tag: 7) { e in e[0] = 0 }  // DT_RELA -> DT_NULL
        #expect(damaged.relativeRelocations.isEmpty)
        #expect(try GoPclntab(elf: damaged) == nil)
    }

    /// Damaged DT_RELA/DT_RELASZ/DT_RELAENT values: no relocations, or any read within the file, never a trap.
    /// (expect: "none", "all" (a superset of the intact ones), or "any")
    @Test(arguments: [(UInt64(7), UInt64.max - 7, "none"), (7, 0, "any"), (8, .max, "all"), (8, 5, "none"),
                      (9, 0, "none"), (9, 1 << 40, "none"), (9, 25, "any")])
    func damagedDynamicRelocationsAreSkipped(_ tag: UInt64, _ value: UInt64, _ expect: String) throws {
        let path = try FixtureBinaries.path("go1.25/workload-extpie-lld-stripped")
        let intact = try ELFFile(path: path).relativeRelocations
        let elf = try Self.withDynamicEntry(path, tag: tag) { e in
            withUnsafeBytes(of: value.littleEndian) { e.replaceSubrange(8..<16, with: $0) }
        }
        let relocs = elf.relativeRelocations
        if expect == "none" { #expect(relocs.isEmpty) }
        if expect == "all" { #expect(intact.allSatisfy { relocs[$0.key] == $0.value }) }
        _ = try GoPclntab(elf: elf)?.frames(at: 0x60000)
    }

    /// The ELF at `path` with the first PT_DYNAMIC entry of `tag` changed by `change` (its 16 bytes).
    static func withDynamicEntry(_ path: String, tag: UInt64, _ change: (inout [UInt8]) -> Void) throws -> ELFFile {
        var bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: path)))
        let dyn = try #require(try ELFFile(path: path).segments.first { $0.type == 2 })
        var o = Int(dyn.offset)
        while o + 16 <= Int(dyn.offset + dyn.fileSize),
            bytes[o] != UInt8(tag) || bytes[(o + 1)..<(o + 8)].contains(where: { $0 != 0 })
        { o += 16 }
        try #require(o + 16 <= Int(dyn.offset + dyn.fileSize), "dynamic tag \(tag)")
        var entry = Array(bytes[o..<(o + 16)])
        change(&entry)
        bytes.replaceSubrange(o..<(o + 16), with: entry)
        return try bytes.withUnsafeBufferPointer { try ELFFile(file: MappedFile(path: "damaged", copying: $0)) }
    }

    @Test func returnAddressesLookUpTheCall() throws {
        let image = try BinaryImage(path: Paths.fixtures.appendingPathComponent("bin/go1.25/workload").path)
        let sym = try #require(image.elf.functionSymbols.first { $0.name == "main.hashLoop" })
        // At a function's entry a "return address" is taken as exact (it cannot follow a call in that function).
        #expect(image.frames(at: sym.value, isReturnAddress: true).first?.function == "main.hashLoop")
        // One byte later it means the instruction before.
        #expect(image.frames(at: sym.value + 1, isReturnAddress: true).last?.function == "main.hashLoop")
    }

    @Test func genericNamesPrintAsTheRuntimeDoes() {
        #expect(goPrintName("main.Map[go.shape.int,go.shape.uint64]") == "main.Map[...]")
        #expect(goPrintName("main.(*T[go.shape.int]).M") == "main.(*T[...]).M")
        #expect(goPrintName("main.main.func1") == "main.main.func1")
    }
}
