/// perf's delivery of samples that carry PERF_SAMPLE_READ (`evlist__deliver_sample`, util/session.c):
/// with a group read (`-e '{a,b}:S'`, PERF_FORMAT_GROUP) one sample record stands for one sample of each
/// member. Each read value goes to the event of its id, with the value's growth since that id's last
/// sample as its period; a value that did not grow, or whose id no event declares, is not delivered.
/// A single read (no GROUP) is the same with one value.
public struct SampleReadSplitter {
    /// The value each id had at its last sample (perf's `perf_sample_id.period`).
    var last: [UInt64: UInt64] = [:]
    /// The deliveries of the last `split`, reused.
    public private(set) var deliveries: [(eventIndex: Int, id: UInt64, period: UInt64)] = []

    public init() {}

    /// Fills `deliveries` for sample `s` (whose event reads PERF_SAMPLE_READ) and returns their count.
    public mutating func split(_ s: Sample, file: PerfFile) -> Int {
        deliveries.removeAll(keepingCapacity: true)
        let f = file.events[s.eventIndex].layout.readFormat
        let v = s.readValues
        let group = f.contains(.group)
        guard !v.isEmpty else { return 0 }
        // Group: nr, (enabled), (running), then value, (id), (lost) per member.
        // Single: value, (enabled), (running), (id), (lost).
        let nr = group ? Int(clamping: v[0]) : 1
        var i = 1
        if f.contains(.totalTimeEnabled) { i &+= 1 }
        if f.contains(.totalTimeRunning) { i &+= 1 }
        var k = 0
        while k < nr {
            let valueAt = group ? i : 0
            if group { i &+= 1 }
            var id: UInt64 = 0
            if f.contains(.id) {
                id = i < v.count ? v[i] : 0
                i &+= 1
            }
            if f.contains(.lost) { i &+= 1 }
            guard valueAt < v.count, i <= v.count else { break }
            k &+= 1
            let value = v[valueAt]
            guard let event = file.idToEvent[id] else { continue }
            let period = value &- (last[id] ?? 0)
            last[id] = value
            if period != 0 { deliveries.append((event, id, period)) }
        }
        return deliveries.count
    }
}
