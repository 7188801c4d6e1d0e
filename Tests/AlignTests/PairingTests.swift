import Align
import Testing

/// A perf capture and a Go trace of another run are refused (issue 18); a capture with its own trace
/// is not. Measured on fixture pairs (docs/trace-pairing.md): right pairs agree on 98–100 % of 164–582
/// samples, crossed ones have no time overlap, or map 3–11 samples to the trace's threads, or agree
/// on at most 51 %.
@Suite struct PairingTests {
    @Test(arguments: ["go1.25-fp-mono", "go1.27-fp-mono", "go1.25-fp-default-clock", "go1.27-alloc-mono"])
    func rightPairsAreKept(_ name: String) throws {
        let c = try AttributionTests.capture(name)
        let check = PairingCheck(c)
        #expect(check.problem == nil, "\(c.alignment)")
        // A few samples fall just before the trace starts or after it stops.
        #expect(check.inTraceSpan * 100 >= check.samples * 99, "\(check.inTraceSpan) of \(check.samples)")
        #expect(check.agreement >= PairingCheck.minimumAgreement)
    }

    /// Same clock (perf -k mono, Go ≥ 1.22): another run's trace lies at other times.
    @Test(arguments: [("go1.25-fp-mono", "go1.26-fp-mono"), ("go1.27-alloc-mono", "go1.27-fp-mono")])
    func anotherRunOnTheSameClockHasNoOverlap(_ name: String, _ trace: String) throws {
        let check = PairingCheck(try AttributionTests.capture(name, trace: trace))
        #expect(check.inTraceSpan == 0)
        #expect(check.problem == "no sample falls in the trace's time span (no time overlap)")
    }

    /// Go 1.21: the other run of the same build, fitted as well as it can be, still disagrees.
    @Test func anotherRunOfTheSameBuildDisagrees() throws {
        let check = PairingCheck(try AttributionTests.capture("go1.21-fp-mono", trace: "go1.21-fp-default-clock"))
        #expect(check.compared >= PairingCheck.minimumCompared)
        #expect(check.agreement < 0.6)
        #expect(check.problem?.hasPrefix("only ") == true)
        #expect(check.problem?.contains("agree with what the trace says ran there") == true)
    }
}
