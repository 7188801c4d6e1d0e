import Foundation
import Testing
import TestSupport
@testable import Collapse

/// stackcollapse-perf.pl's own test inputs and the outputs the script itself produced for them.
@Suite struct PeerCorpusTests {
    /// Fixtures/peer (see Fixtures/README.md), unpacked.
    static let dir = try! PeerCorpus.directory()
    static let options = ["default", "pid", "tid", "kernel", "jit", "all", "addrs"]
    static let inputs: [String] = {
        let names =
            (try? FileManager.default.contentsOfDirectory(atPath: dir.appendingPathComponent("input").path)) ?? []
        return names.filter { $0.hasSuffix(".txt") }.map { String($0.dropLast(4)) }.sorted()
    }()

    static func collapse(_ name: String, _ opt: String, perl: Bool) throws -> [UInt8] {
        var o = ScriptCollapseOptions()
        switch opt {
        case "pid": o.includePID = true
        case "tid": o.includeTID = true
        case "kernel": o.annotateKernel = true
        case "jit": o.annotateJIT = true
        case "all": o.annotateKernel = true; o.annotateJIT = true
        case "addrs": o.includeAddresses = true
        default: break
        }
        o.perlCompatible = perl
        let data = try Data(contentsOf: dir.appendingPathComponent("input/\(name).txt"))
        var c = ScriptTextCollapser(options: o)
        try data.withUnsafeBytes { try c.feed($0, path: name) }
        c.finish()
        return c.folded()
    }

    static func expected(_ name: String, _ opt: String) throws -> [UInt8] {
        [UInt8](try Data(contentsOf: dir.appendingPathComponent("expected/\(name)-collapsed-\(opt).txt")))
    }

    @Test func corpusIsComplete() {
        #expect(Self.inputs.count == 13)
    }

    @Test(arguments: inputs)
    func perlCompatibleModeIsByteIdentical(_ name: String) throws {
        for opt in Self.options {
            let ours = try Self.collapse(name, opt, perl: true)
            let theirs = try Self.expected(name, opt)
            #expect(ours == theirs, "\(name) --\(opt)")
        }
    }

    /// By default stackfold keeps the last sample of an input without a trailing blank line, which the
    /// Perl script drops (FlameGraph #230), and decodes partly demangled Rust names as inferno does
    /// (perf-rust-Yamakaky-dcpu has hundreds). Everything else is the same.
    @Test(arguments: inputs)
    func defaultModeDiffersOnlyByTheKeptLastSample(_ name: String) throws {
        let input = try String(contentsOf: Self.dir.appendingPathComponent("input/\(name).txt"), encoding: .utf8)
        let endsWithBlank = input.hasSuffix("\n\n")
        for opt in Self.options {
            let ours = parse(try Self.collapse(name, opt, perl: false))
            let theirs = parse(try Self.expected(name, opt), fixRust: true)
            var delta: [String: Int64] = [:]
            for (k, v) in ours { delta[k, default: 0] += Int64(v) }
            for (k, v) in theirs { delta[k, default: 0] -= Int64(v) }
            let changed = delta.filter { $0.value != 0 }
            #expect(changed.values.allSatisfy { $0 > 0 }, "\(name) --\(opt): stackfold lost samples")
            #expect(changed.count <= (endsWithBlank ? 0 : 1), "\(name) --\(opt): \(changed)")
        }
    }

    func parse(_ folded: [UInt8], fixRust: Bool = false) -> [String: UInt64] {
        var out: [String: UInt64] = [:]
        let c = ScriptTextCollapser(options: ScriptCollapseOptions())
        for line in String(decoding: folded, as: UTF8.self).split(separator: "\n") {
            let sp = line.lastIndex(of: " ")!
            var stack = String(line[..<sp])
            if fixRust {
                stack = stack.split(separator: ";", omittingEmptySubsequences: false).map { f in
                    var b = Array(f.utf8)
                    c.fixPartlyDemangledRust(&b)
                    b.removeAll { $0 == 0x27 || $0 == 0x22 }  // the Perl tidying, after decoding (`&'a` has one)
                    return String(decoding: b, as: UTF8.self)
                }.joined(separator: ";")
            }
            out[stack, default: 0] += UInt64(line[line.index(after: sp)...])!
        }
        return out
    }
}
