import BinaryIO
import PerfData

extension PerfCollapser {
    /// What the folded weights count, known after the fold (`chooseEvent` may pick another event than
    /// the first): nanoseconds for the clock events, whose period is time; the sample
    /// count with `weightByPeriod` off or for an event sampled at every occurrence; else the event's own
    /// count, named as perf names the counter.
    public var weightUnit: WeightUnit {
        guard options.weightByPeriod, let event = foldedEvent else { return .samples }
        let a = event.attr
        // PERF_TYPE_SOFTWARE: PERF_COUNT_SW_CPU_CLOCK (0) and PERF_COUNT_SW_TASK_CLOCK (1) count nanoseconds.
        if a.type == 1, a.config <= 1 { return .nanoseconds }
        if !a.freq, a.samplePeriodOrFreq <= 1 { return .samples }
        // The generic name for a hardware or software counter: `page-faults`, not `page-faults/period=50/`.
        return .events(a.type <= 1 ? EventNames.name(for: a) : event.name)
    }

    /// `stack samples weight` lines: `folded()`'s lines with each stack's sample count before its weight.
    /// Two columns read as difffolded's, so this is for a renderer told what they are, never for users.
    public func foldedCounted() -> [UInt8] { renderFoldedCounted(stacks, names: nameTable.names) }
}
