/// Delivers records in the order `perf script` and `perf report` process them (tools/perf/util/ordered-events.c):
///
/// - records without a timestamp (perf's own records, synthesized ones with an all-zero trailer) go out at once;
/// - timed records are queued; at each FINISHED_ROUND the queue is flushed up to the highest timestamp seen
///   before the *previous* round mark (the kernel guarantees nothing older arrives after a full round);
/// - at the end everything left is flushed. Equal timestamps keep file order.
///
/// Without FINISHED_ROUND (pipe mode with one CPU, old files) this is a full sort at the end, as in perf.
public struct OrderedRecords: IteratorProtocol, Sequence {
    var reader: RecordReader
    let file: PerfFile
    /// Queued records in arrival order, and their (time, arrival index) keys: sorting small keys instead of
    /// records moves a tenth of the bytes.
    var queue: [RawRecord] = []
    var keys: [(time: UInt64, index: Int)] = []
    var ready: [RawRecord] = []
    var readyPos = 0
    var nextFlush: UInt64 = 0
    var maxTimestamp: UInt64 = 0
    var lastFlush: UInt64 = 0
    /// Records that arrived older than what had already been flushed (perf's "out of order event").
    public private(set) var outOfOrder = 0
    public private(set) var error: PerfDataError?

    public init(file: PerfFile) {
        self.file = file
        self.reader = file.records()
    }

    public mutating func next() -> RawRecord? {
        while true {
            if readyPos < ready.count {
                let r = ready[readyPos]
                readyPos += 1
                return r
            }
            ready.removeAll(keepingCapacity: true)
            readyPos = 0
            let rec: RawRecord?
            do { rec = try reader.nextRecord() } catch {
                self.error = error
                rec = nil
            }
            guard let rec else {
                if queue.isEmpty { return nil }
                flush(upTo: .max)
                continue
            }
            if rec.type == .finishedRound {
                // perf handles its own records as it reads them, before the flush they trigger.
                ready.append(rec)
                flush(upTo: nextFlush)
                nextFlush = maxTimestamp
                continue
            }
            guard let t = file.timestamp(rec) else {
                return rec
            }
            if t < lastFlush { outOfOrder += 1 }
            if t > maxTimestamp { maxTimestamp = t }
            keys.append((t, queue.count))
            queue.append(rec)
        }
    }

    mutating func flush(upTo limit: UInt64) {
        guard !queue.isEmpty else { return }
        var out: [(time: UInt64, index: Int)] = []
        out.reserveCapacity(keys.count)
        for k in keys where k.time <= limit { out.append(k) }
        // Arrival index breaks ties, so equal timestamps keep file order.
        out.sort { $0.time != $1.time ? $0.time < $1.time : $0.index < $1.index }
        if let last = out.last { lastFlush = last.time }
        ready.reserveCapacity(ready.count + out.count)
        for k in out { ready.append(queue[k.index]) }
        // The records kept move to the front, in arrival order, in the same arrays: new ones were
        // appended to arrays made afresh each round, which grew (and copied the records) again every time.
        var kept = 0
        for i in keys.indices where keys[i].time > limit {
            queue[kept] = queue[keys[i].index]
            keys[kept] = (keys[i].time, kept)
            kept += 1
        }
        queue.removeLast(queue.count - kept)
        keys.removeLast(keys.count - kept)
    }
}

extension PerfFile {
    /// Records in perf's processing order (see `OrderedRecords`).
    public func orderedRecords() -> OrderedRecords { OrderedRecords(file: self) }
}
