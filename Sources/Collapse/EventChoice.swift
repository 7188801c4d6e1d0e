import PerfData

/// Which event a capture of several is folded by, when none was asked for: the first declared that has
/// samples. Hybrid CPUs declare `cpu_atom` first, and `intel_pt//` or `cs_etm` record AUX data, not
/// samples; folding the first declared event gave empty output with exit 0.
extension PerfCollapser {
    /// After a fold by the first declared event: folds again by the first event that has samples when
    /// that one had none (returns true: `self` is then the new fold), and says which event was folded
    /// when several have samples.
    mutating func chooseEvent(_ file: PerfFile, every interval: Int,
                              progress: (borrowing PerfCollapser) -> Void) throws(PerfDataError) -> Bool {
        let names = file.events.map(\.name)
        // Per distinct name, in declaration order (the filter is by name).
        var order: [String] = []
        var count: [String: Int] = [:]
        for (i, n) in names.enumerated() {
            if count[n] == nil { order.append(n) }
            count[n, default: 0] &+= i < eventSamples.count ? eventSamples[i] : 0
        }
        let withSamples = order.filter { count[$0]! > 0 }
        guard let first = names.first, let chosen = withSamples.first else { return false }
        let list = withSamples.map { "\($0) (\(count[$0]!) samples)" }.joined(separator: ", ")
        if chosen != first {
            var o = options
            o.eventFilter = chosen
            var again = PerfCollapser(options: o)
            try again.collapse(file, every: interval, progress: progress)
            let others = withSamples.count > 1 ? "; events with samples: \(list)" : ""
            again.warnings.insert("folded event \(chosen): the first declared, \(first), has no samples\(others); "
                + "pass --event-filter NAME for another", at: 0)
            self = again
            return true
        }
        if withSamples.count > 1 {
            warnings.append(
                "folded event \(chosen), the first declared, of \(list); pass --event-filter NAME for another")
        }
        return false
    }
}
