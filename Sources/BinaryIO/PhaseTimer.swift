#if canImport(Glibc)
import Glibc
#endif

/// Wall-clock time per phase on standard error when `STACKFOLD_TIMING` is set: where a command's time
/// goes, for benchmarks. Costs one flag test per lap otherwise.
public struct PhaseTimer {
    public static let enabled = getenv("STACKFOLD_TIMING") != nil
    private var last: ContinuousClock.Instant

    public init() { last = .now }

    public mutating func lap(_ phase: String) {
        guard Self.enabled else { return }
        let now = ContinuousClock.now
        Self.report(phase, now - last)
        last = now
    }

    /// Reports a phase's time measured otherwise (e.g. added up over stretches).
    public static func report(_ phase: @autoclosure () -> String, _ d: Duration) {
        guard enabled else { return }
        let ms = Double(d.components.seconds) * 1e3 + Double(d.components.attoseconds) / 1e15
        var err = OutputBuffer(fd: 2)
        err.append("stackfold: timing: \(phase()) \(cFormat("%.1f", ms)) ms\n")
        err.flush()
    }
}
