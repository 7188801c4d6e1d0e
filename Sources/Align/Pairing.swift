import GoTrace

/// Whether a perf capture and a Go trace come from the same run. A trace of another run still gives a
/// full report (every sample `none`, or an estimated offset that a few samples happen to agree with):
/// the pair is refused instead, unless forced.
public struct PairingCheck: Sendable {
    /// Least share of compared samples that must agree with the trace. Right pairs of the fixtures score
    /// 96.6–100 %, crossed ones (captures with traces of other runs) 0–41 %: see docs/trace-pairing.md.
    public static let minimumAgreement = 0.8
    /// Fewest samples on traced threads for the agreement to mean anything: fewer is refused as no
    /// common threads (crossed Go 1.21 pairs map 3–11 samples to the trace's threads, right pairs 164–582).
    public static let minimumCompared = 5

    /// Samples whose aligned time falls inside the trace's span, samples on threads the trace saw,
    /// and the alignment's agreement.
    public var samples = 0
    public var inTraceSpan = 0
    public var compared = 0
    public var agreement = 0.0

    public init(_ c: AlignedCapture) {
        let runs = c.trace.trace.runs
        samples = c.collapser.sampleRecords.count
        compared = c.alignment.samplesCompared
        agreement = c.alignment.agreement
        guard let lo = runs.lazy.map(\.rawStart).min(), let hi = runs.lazy.map(\.rawEnd).max() else { return }
        for s in c.collapser.sampleRecords {
            let t = c.alignment.traceTime(s.time)
            if t >= lo, t <= hi { inTraceSpan &+= 1 }
        }
    }

    /// Why the two do not belong together, or nil when they may.
    public var problem: String? {
        if samples == 0 { return nil }
        if inTraceSpan == 0 { return "no sample falls in the trace's time span (no time overlap)" }
        if compared < Self.minimumCompared {
            return compared == 0 ? "no sample is on a thread the trace saw (no common threads)"
                : "only \(compared) of \(samples) samples are on threads the trace saw (too few common threads to compare)"
        }
        if agreement < Self.minimumAgreement {
            let pct = Int((agreement * 1000).rounded()) / 10
            return "only \(pct) % of \(compared) samples on traced threads agree with what the trace says ran there "
                + "(pairs from one run agree on ≥ \(Int(Self.minimumAgreement * 100)) %)"
        }
        return nil
    }
}
