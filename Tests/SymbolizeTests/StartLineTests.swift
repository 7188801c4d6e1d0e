import Foundation
import Testing
@testable import Symbolize

/// Function start lines (pprof's `Function.start_line`) against llvm-symbolizer's `StartLine`, which it
/// reads from DW_AT_decl_line: Fixtures/dwarf/*.llvm.jsonl (Fixtures/generate-dwarf.sh). Read from DWARF
/// (C, and Go's own DWARF), and from the pclntab (`_func.startLine` and the inline tree's, Go 1.20+),
/// which must agree with the DWARF the Go linker wrote for the same functions. Every frame of every
/// address whose function names agree is compared, inlined frames included.
@Suite struct StartLineTests {
    struct Answer: Decodable {
        struct Symbol: Decodable { var FunctionName: String; var StartLine: Int }
        var Symbol: [Symbol]
    }

    static func reference(_ name: String) throws -> [(UInt64, [(String, Int)])] {
        let dir = Paths.fixtures.appendingPathComponent("dwarf")
        let addrs = try String(contentsOf: dir.appendingPathComponent("\(name).addrs"), encoding: .utf8).split(
            separator: "\n")
        let lines = try String(contentsOf: dir.appendingPathComponent("\(name).llvm.jsonl"), encoding: .utf8).split(
            separator: "\n")
        return try zip(addrs, lines).map { a, l in
            let answer = try JSONDecoder().decode(Answer.self, from: Data(l.utf8))
            return (
                try #require(UInt64(a.dropFirst(2), radix: 16)), answer.Symbol.map { ($0.FunctionName, $0.StartLine) }
            )
        }
    }

    /// (binary under Fixtures/bin, reference, source, minimum frames compared)
    static let cases: [(String, String, SymbolSource, Int)] = [
        ("c/cwork", "c-cwork", .dwarf, 200),
        ("go1.25/cgo", "cgo-c", .dwarf, 800),
        ("go1.25/cgo", "cgo-go", .dwarf, 250),
        ("go1.25/cgo", "cgo-go", .pclntab, 250),
        ("go1.21/workload", "go1.21-workload", .pclntab, 4000),
        ("go1.25/workload", "go1.25-workload", .pclntab, 4000),
        ("go1.27/workload", "go1.27-workload", .pclntab, 5000),
        ("go1.27/workload", "go1.27-workload", .dwarf, 5000),
    ]

    @Test(arguments: cases)
    func startLinesMatchLLVMSymbolizer(_ binary: String, _ name: String, _ source: SymbolSource, _ minFrames: Int)
        throws
    {
        let image = try BinaryImage(path: try FixtureBinaries.path(binary), source: source)
        var compared = 0
        var mismatches: [String] = []
        for (addr, want) in try Self.reference(name) {
            let got = image.frames(at: addr)
            // llvm spells Go assembly functions with `.abi0`, the pclntab without.
            let names = want.map { $0.0.hasSuffix(".abi0") && source == .pclntab ? String($0.0.dropLast(5)) : $0.0 }
            guard got.map(\.function) == names else { continue }
            for (f, w) in zip(got, want) {
                // Go's DWARF has no DW_AT_decl_line for compiler-made wrappers (deferwrap, gowrap, -fm,
                // assembly): llvm says 0 where the pclntab knows the line. From DWARF, 0 must match too.
                if source == .pclntab && w.1 == 0 { continue }
                if w.1 > 0 { compared += 1 }
                if f.startLine != w.1 {
                    mismatches.append("0x\(String(addr, radix: 16)) \(f.function): ours \(f.startLine) llvm \(w.1)")
                }
            }
        }
        #expect(compared >= minFrames, "\(binary) \(source): \(compared) frames with a start line")
        #expect(
            mismatches.isEmpty,
            "\(binary) \(source): \(mismatches.count) of \(compared) differ; first: \(mismatches.prefix(3))")
    }
}
