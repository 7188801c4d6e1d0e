import Foundation
import Testing
@testable import Symbolize

/// Every address sampled in the fixture captures (and every instruction of the workload's own code),
/// symbolized from the binary, must give exactly the frames the Go runtime itself reports for it
/// (Fixtures/oracle/*.jsonl, written by the workload's oracle mode with runtime.CallersFrames):
/// same functions, files and lines, inlined frames included, from the unstripped and the stripped binary.
/// Every build variant answers for its own addresses (Fixtures/generate-variants.sh): `-s -w`, PIE,
/// `-trimpath`, and cgo with external linking (plain and PIE), each also `strip`ped.
@Suite struct GoRuntimeOracleTests {
    struct Answer: Decodable, Equatable {
        struct Frame: Decodable, Equatable { var function: String; var file: String; var line: Int }
        var addr: String
        var frames: [Frame]
    }

    static let versions = ["1.21", "1.22", "1.23", "1.24", "1.25", "1.26", "1.27"]
    static let variants = ["", "-sw", "-pie", "-trimpath", "-ext", "-extpie"]
    static let cases = versions.flatMap { v in
        variants.flatMap { variant in ["workload\(variant)", "workload\(variant)-stripped"].map { (v, $0) } }
    }.filter { $0.1 != "workload-extpie-stripped" || $0.0 >= "1.26" }  // before 1.26 its pclntab is found only through relocations: not yet

    /// The oracle's answers for a binary: the default build's (sampled addresses and main.*) or a variant's.
    static func answers(_ version: String, _ binary: String) throws -> [Answer] {
        var variant = binary.dropFirst("workload".count)
        if variant.hasSuffix("-stripped") { variant = variant.dropLast("-stripped".count) }
        let text = variant.isEmpty
            ? try String(contentsOf: Paths.fixtures.appendingPathComponent("oracle/go\(version).jsonl"), encoding: .utf8)
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
        if binary.hasSuffix("-stripped") || binary.hasPrefix("workload-sw") { #expect(image.elf.functionSymbols.filter { $0.name.hasPrefix("main.") }.isEmpty) }
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
