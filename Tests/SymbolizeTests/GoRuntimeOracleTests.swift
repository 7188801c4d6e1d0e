import Foundation
import Testing
@testable import Symbolize

/// Every address sampled in the fixture captures (and every instruction of the workload's own code),
/// symbolized from the binary, must give exactly the frames the Go runtime itself reports for it
/// (Fixtures/oracle/*.jsonl, written by the workload's oracle mode with runtime.CallersFrames):
/// same functions, files and lines, inlined frames included, from the unstripped and the stripped binary.
@Suite struct GoRuntimeOracleTests {
    struct Answer: Decodable, Equatable {
        struct Frame: Decodable, Equatable { var function: String; var file: String; var line: Int }
        var addr: String
        var frames: [Frame]
    }

    static let versions = ["1.21", "1.22", "1.23", "1.24", "1.25", "1.26", "1.27"]
    static let cases = versions.flatMap { v in ["workload", "workload-stripped"].map { (v, $0) } }

    @Test(arguments: cases)
    func framesMatchTheGoRuntime(_ version: String, _ binary: String) throws {
        let oracle = try String(contentsOf: Paths.fixtures.appendingPathComponent("oracle/go\(version).jsonl"), encoding: .utf8)
        let answers = try oracle.split(separator: "\n").map { try JSONDecoder().decode(Answer.self, from: Data($0.utf8)) }
        #expect(answers.count > 1000)
        #expect(answers.filter { $0.frames.count > 1 }.count > 100, "the oracle must cover inlined frames")
        let image = try BinaryImage(path: Paths.fixtures.appendingPathComponent("bin/go\(version)/\(binary)").path)
        #expect(image.pclntab?.goVersion?.hasPrefix("go\(version).") == true)
        var mismatches: [String] = []
        for a in answers {
            let addr = UInt64(a.addr.dropFirst(2), radix: 16)!
            let ours = image.frames(at: addr, goStyle: true).map { Answer.Frame(function: goPrintName($0.function), file: $0.file, line: $0.line) }
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
