import Foundation
import Testing
import TestSupport
@testable import Symbolize

/// Demangled names against outside demanglers (Fixtures/generate-demangle.sh): binutils' c++filt for the
/// Rust legacy symbols of a real build (its hash dropped, as perf prints them) and `c++filt -p` for the
/// C++ function symbols of another (no parameters, as perf 6.1 prints them).
@Suite struct DemangleTests {
    static func pairs(_ name: String) throws -> [(String, String)] {
        let text = try String(contentsOf: Paths.fixtures.appendingPathComponent("demangle/\(name)"), encoding: .utf8)
        return text.split(separator: "\n").map { line -> (String, String) in
            let f = line.split(separator: "\t", maxSplits: 1, omittingEmptySubsequences: false)
            return (String(f[0]), String(f[1]))
        }
    }

    @Test func rustLegacyNamesAsCxxfiltWithoutTheHash() throws {
        let all = try Self.pairs("rust-legacy.tsv")
        #expect(all.count > 100)
        for (mangled, expected) in all {
            #expect(demangledName(mangled) == expected, "\(mangled)")
        }
        #expect(all.contains { $0.1.contains("{{closure}}") } && all.contains { $0.1.contains(" as ") })
    }

    @Test func cxxNamesAsCxxfiltNoParams() throws {
        let all = try Self.pairs("cxx.tsv")
        #expect(all.count > 100)
        var wrong: [String] = []
        for (mangled, expected) in all where demangledName(mangled) != expected {
            wrong.append("\(mangled): \(demangledName(mangled)) != \(expected)")
        }
        #expect(wrong.isEmpty, "\(wrong.prefix(5))")
    }

    @Test func otherNamesAreUnchanged() {
        for n in ["main.main", "runtime.gcBgMarkWorker", "_start", "_ZN", "_Zfoo", "_ZN3foo3barE",
                  "_ZN4main4main17h8da7fa642d13fc6E", "_RNvNtCsjrHSEGnQ3l9_3std2rt19lang_start_internal"] {
            // A legacy Rust name needs its 16-digit hash; `_ZN3foo3barE` is C++ for the variable foo::bar.
            let d = demangledName(n)
            #expect(d == n || (n == "_ZN3foo3barE" && d == "foo::bar"), "\(n) -> \(d)")
        }
        #expect(demangledName("_ZN4main4main17h8da7fa642d137fc6E.llvm.1799880160748239443") == "main::main")
    }
}
