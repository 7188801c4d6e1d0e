/// What a folded stack's weight counts, so that every count shown says what it is. perf weights a sample
/// by its period: nanoseconds for the clock events (cpu-clock, task-clock), events for a hardware or
/// software counter (`cycles`), and 1 for events sampled at every occurrence or with `--count-samples`.
public enum WeightUnit: Sendable, Equatable {
    /// The weight is the sample count.
    case samples
    /// The weight is time in nanoseconds (cpu-clock, task-clock periods).
    case nanoseconds
    /// The weight counts occurrences of the named event (`cycles`, `instructions`, `page-faults`).
    case events(String)

    /// `412 samples, 412.4 ms` (time), `412 samples, 1,234,567 cycles`, or `412 samples`; without a sample
    /// count (folded text input) only the weight's own unit. Whole numbers with thousands separators.
    public func label(weight: Double, samples: Double?) -> String {
        let count = samples.map { "\(commas($0)) sample\($0 == 1 ? "" : "s")" }
        let own: String?
        switch self {
        case .samples: own = count == nil ? "\(commas(weight)) samples" : nil
        case .nanoseconds: own = Self.duration(weight)
        case .events(let name): own = "\(commas(weight)) \(name)"
        }
        return [count, own].compactMap { $0 }.joined(separator: ", ")
    }

    /// Nanoseconds in the largest unit under which they are at least 1: `1.25 s`, `412.4 ms`, `12.0 µs`, `800 ns`.
    public static func duration(_ ns: Double) -> String {
        let a = abs(ns)
        if a >= 1e9 { return cFormat("%.2f s", ns / 1e9) }
        if a >= 1e6 { return cFormat("%.1f ms", ns / 1e6) }
        if a >= 1e3 { return cFormat("%.1f µs", ns / 1e3) }
        return cFormat("%.0f ns", ns)
    }

    /// A rounded count with thousands separators (`1,234,567`), as flamegraph.pl prints counts.
    public func commas(_ v: Double) -> String { withCommas(cFormat("%.0f", v)) }
}
