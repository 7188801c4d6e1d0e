@testable import Align
@testable import Collapse
import Foundation
import Testing

/// The stack is evidence of GC work: a sample through `runtime.gcBgMarkWorker` is mark-worker work and
/// one through `runtime.gcAssistAlloc`/`gcAssistAlloc1` an assist, whatever the trace's ranges say at
/// their edges (not when the stack passes `runtime.mcall`: parked, the scheduler runs). Every other
/// sample keeps the state the trace alone gives it.
@Suite struct StackEvidenceTests {
    static func evidence(_ names: [String]) -> GCState? {
        if names.contains("runtime.mcall") { return nil }
        if names.contains("runtime.gcAssistAlloc") || names.contains("runtime.gcAssistAlloc1") { return .assist }
        if names.contains("runtime.gcBgMarkWorker") { return .markWorker }
        return nil
    }

    @Test(arguments: ["go1.21-alloc-mono", "go1.21-alloc-default-clock", "go1.27-alloc-mono", "go1.25-fp-mono"])
    func stackEvidenceDecidesAndNothingElseMoves(_ name: String) throws {
        let c = try AttributionTests.capture(name)
        // The trace alone: the same samples, alignment and index, without the stacks' facts.
        let records = c.attributions.map(\.sample)
        let traceOnly = attribute(records, trace: c.trace, alignment: c.alignment)
        var withEvidence = 0, moved = 0
        for (i, a) in c.attributions.enumerated() {
            let names = c.stackNames(a)
            if let e = Self.evidence(names) {
                withEvidence += 1
                #expect(
                    a.gc == e || (e == .markWorker && a.gc == .assist),
                    "\(name) sample \(i): \(a.gc) for \(names.suffix(4))")
                if traceOnly.state(i) != a.gc { moved += 1 }
            } else if !names.contains("runtime.mcall") {
                #expect(a.gc == traceOnly.state(i), "\(name) sample \(i): \(a.gc) != \(traceOnly.state(i))")
            }
        }
        #expect(withEvidence > 0)
        print("\(name): \(withEvidence) samples with GC stack evidence, \(moved) placed by it")
    }
}
