import PerfData

/// What a fold skipped or did not use, said once each at its end rather than dropped silently (issue 18):
/// malformed records (RecordNotes), AUX area trace data, and LBR call stacks.
extension PerfCollapser {
    /// A sample folded after a malformed record: counted, and whether a frame of it fell outside every
    /// mapping (what a malformed MMAP would have named).
    @inline(__always)
    mutating func noteAfterMalformed(_ scratch: FrameScratch) {
        afterMalformed.samples &+= 1
        let unknown = unknownNameIDs
        if scratch.withIDs({ ids in ids.contains { unknown.contains($0) } }) { afterMalformed.unknown &+= 1 }
    }

    mutating func warnSkippedRecords(_ file: PerfFile, _ notes: RecordNotes) {
        if let w = notes.malformedWarning(path: file.path, affected: (afterMalformed.unknown, afterMalformed.samples)) {
            warnings.append(w)
        }
        if let w = notes.auxWarning { warnings.append(w) }
        if let w = Self.lbrWarning(file, eventSamples: eventSamples) { warnings.append(w) }
    }

    /// `--call-graph lbr` records user stacks as branch entries, beside a callchain that holds only the kernel
    /// part (the sampled address alone for user code): say that the fold shows the callchain.
    static func lbrWarning(_ file: PerfFile, eventSamples: [Int]) -> String? {
        let events = file.lbrCallStackEvents.filter { $0 < eventSamples.count && eventSamples[$0] > 0 }
        guard !events.isEmpty else { return nil }
        let n = events.reduce(0) { $0 &+ eventSamples[$1] }
        let names = events.map { file.events[$0].name }.joined(separator: ", ")
        return "\(n) samples (\(names)) carry LBR call stacks (--call-graph lbr), which stackfold does not read: "
            + "stacks are the callchains recorded beside them (kernel frames, and user frames only where frame pointers "
            + "were walked too; with --call-graph lbr alone, the sampled function); record with --call-graph fp or dwarf for whole user stacks"
    }
}
