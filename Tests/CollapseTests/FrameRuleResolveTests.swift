import Foundation
import Testing
@testable import Collapse
import PerfData
import Symbolize

/// The unwinder's first look at a PC against the way it was made before: a Go rule from the pclntab's bytes
/// (`UnwindTables.flatRule`) against `FlatRule(rule(vaddr:exact:))` over every PC of the fixture binaries,
/// and the rule through the last-mapping memo and the rules table (`resolveFrameRule`) against one made
/// afresh from the model, for every frame of the fixture captures.
@Suite struct FrameRuleResolveTests {
    static func same(_ a: FlatRule, _ b: FlatRule) -> Bool {
        guard a.kind == b.kind, a.go == b.go, a.spDelta == b.spDelta else { return false }
        return a.kind != .cfi || a.withRow { r in b.withRow { $0 == r } }
    }

    static func describe(_ r: FlatRule) -> String { "\(r.kind) go \(r.go.rawValue) sp \(r.spDelta)" }

    /// Every address of `.text` and a little past it: Go's functions, their padding, and beyond.
    @Test(arguments: ["go1.21", "go1.22", "go1.23", "go1.24", "go1.25", "go1.26", "go1.27"])
    func goRuleFromBytesAtEveryPC(_ version: String) throws {
        let img = try BinaryImage(path: Paths.fixtures.appendingPathComponent("bin/\(version)/workload").path)
        let text = try #require(img.elf.section(named: ".text"))
        let t = UnwindTables(image: img)
        var objects: [AnyObject] = []
        var seen = FlatRule.GoBits(), goRules = 0, bad = 0
        for pc in text.address..<(text.address + text.size + 64) {
            // A Go rule does not depend on exactness; alternate it for the CFI side.
            let exact = pc & 1 == 0
            let new = t.flatRule(vaddr: pc, exact: exact, objects: &objects)
            let old = FlatRule(t.rule(vaddr: pc, exact: exact), objects: &objects)
            if !Self.same(new, old) {
                bad += 1
                if bad <= 5 { Issue.record("\(version) \(String(pc, radix: 16)): \(Self.describe(new)) vs \(Self.describe(old))") }
            }
            if new.kind == .go { goRules += 1 }
            seen.formUnion(new.go)
            objects.removeAll(keepingCapacity: true)
        }
        #expect(bad == 0)
        #expect(goRules > 100_000)
        // Every name-dependent bit met: SPWrite (systemstack), root (goexit), sigreturn, injected call.
        #expect(seen.isSuperset(of: [.spWrite, .root, .sigreturn, .callerExact, .runnable, .savesBP, .asm]))
    }

    /// A C binary: no pclntab, every rule from CFI or none, both exactnesses.
    @Test func cfiRulesAtEveryPC() throws {
        let img = try BinaryImage(path: Paths.fixtures.appendingPathComponent("bin/c/cwork").path)
        let text = try #require(img.elf.section(named: ".text"))
        let t = UnwindTables(image: img)
        var objects: [AnyObject] = []
        var cfi = 0
        for pc in text.address..<(text.address + text.size + 16) {
            for exact in [false, true] {
                let new = t.flatRule(vaddr: pc, exact: exact, objects: &objects)
                let old = FlatRule(t.rule(vaddr: pc, exact: exact), objects: &objects)
                #expect(Self.same(new, old), "\(String(pc, radix: 16)) \(exact)")
                if new.kind == .cfi { cfi += 1 }
            }
        }
        #expect(cfi > 100)
    }

    /// The rule of every unwound frame, asked in the order the unwinder met them (the memo switching between
    /// mappings and processes), against the mapping, binary and tables found afresh.
    @Test(arguments: ["go1.25-cgo-dwarf.data", "go1.25-dwarf16k.data", "go1.25-pie-dwarf16k.data", "c-cwork-dwarf.data"])
    func resolvedRulesMatchFreshOnes(_ name: String) throws {
        var checked = 0, bad = 0, mappings = Set<Int>()
        try UnwindFixtures.unwinds(name) { s, entries, _, c, model in
            for e in entries where e.origin != nil {
                let got = withUnsafePointer(to: model) { c.resolveFrameRule(e.address, exact: e.exact, pid: s.pid, model: $0) }
                var want = FlatRule.none
                var objects: [AnyObject] = []
                if let m = model.mapping(pid: s.pid, address: e.address, mode: .user) {
                    mappings.insert(m.id)
                    // The memo holds the model's mapping (a frame without a binary has rule none either way).
                    if c.stackTruth.unwindMapping?.mapping != m {
                        bad += 1
                        if bad <= 5 { Issue.record("\(String(e.address, radix: 16)): memo's mapping \(c.stackTruth.unwindMapping?.mapping.id ?? -1) vs \(m.id)") }
                    }
                    if let img = c.image(for: m), let v = img.elf.virtualAddress(ofFileOffset: m.fileOffset(of: e.address)) {
                        want = FlatRule(UnwindTables(image: img).rule(vaddr: v, exact: e.exact), objects: &objects)
                    }
                }
                checked += 1
                if !Self.same(got, want) {
                    bad += 1
                    if bad <= 5 { Issue.record("\(String(e.address, radix: 16)) \(e.exact): \(Self.describe(got)) vs \(Self.describe(want))") }
                }
            }
        }
        #expect(bad == 0)
        #expect(checked > 500)
        if name.contains("cgo") { #expect(mappings.count > 1) }
    }
}
