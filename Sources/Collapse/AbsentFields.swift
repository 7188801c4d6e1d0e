import PerfData

/// Fields a capture does not record are absent, not invented: a capture without PERF_SAMPLE_CPU has no
/// CPU numbers (its samples read as CPU 0), so filtering on them is an error, as perf's `--cpu` is.
extension PerfFile {
    /// Whether any event records the CPU of its samples.
    public var recordsCPU: Bool { events.contains { $0.attr.sampleType.contains(.cpu) } }

    /// The error for `--only-cpu` on a capture without CPU numbers, nil when it has them.
    public func cpuFilterError(_ cpus: Set<UInt32>) -> PerfDataError? {
        guard !cpus.isEmpty, !recordsCPU else { return nil }
        return PerfDataError(
            path: path, offset: 0,
            message: "--only-cpu: the capture has no CPU numbers (recorded without "
                + "PERF_SAMPLE_CPU; perf record -a, -C or --sample-cpu records them); drop --only-cpu")
    }
}
