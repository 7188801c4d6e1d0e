/// Delivers records in the order `perf script` and `perf report` process them (tools/perf/util/ordered-events.c):
///
/// - records without a timestamp (perf's own records, synthesized ones with an all-zero trailer) go out at once;
/// - timed records are queued; at each FINISHED_ROUND the queue is flushed up to the highest timestamp seen
///   before the *previous* round mark (the kernel guarantees nothing older arrives after a full round);
/// - at the end everything left is flushed. Equal timestamps keep file order.
///
/// Without FINISHED_ROUND (pipe mode with one CPU, old files) this is a full sort at the end, as in perf.
///
/// The queue is kept sorted by (time, arrival) from `head` on, so a flush hands out a prefix of it, one
/// record per `next()`, with nothing copied. Records mostly arrive in time order (each CPU's buffer is;
/// a round is a few such runs), so the queue is sorted only at a flush that finds it out of order.
public struct OrderedRecords: IteratorProtocol, Sequence {
    var reader: RecordReader
    let file: PerfFile
    /// Queued records with their times: `queue[head...]`, in (time, arrival) order when `inOrder`.
    var queue: [Queued] = []
    var head = 0
    var inOrder = true
    /// Buffers of `sortQueue`.
    var keys: [(time: UInt64, index: Int)] = []
    var spare: [Queued] = []
    /// While a flush hands out records: everything queued up to this time goes first.
    var flushLimit: UInt64 = 0
    var flushing = false
    var nextFlush: UInt64 = 0
    var maxTimestamp: UInt64 = 0
    var lastFlush: UInt64 = 0
    /// Where a SAMPLE's time sits when the capture has one event (-1: read it through `file.timestamp`).
    let sampleTimeOffset: Int
    /// Records that arrived older than what had already been flushed (perf's "out of order event").
    public private(set) var outOfOrder = 0
    public private(set) var error: PerfDataError?

    struct Queued {
        var time: UInt64
        var record: RawRecord
    }

    public init(file: PerfFile) {
        self.file = file
        self.reader = file.records()
        let events = file.events
        sampleTimeOffset = events.count == 1 ? events[0].layout.head.time : -1
    }

    public mutating func next() -> RawRecord? {
        while true {
            if flushing {
                if head < queue.count, queue[head].time <= flushLimit {
                    head &+= 1
                    lastFlush = queue[head &- 1].time
                    return queue[head &- 1].record
                }
                flushing = false
                dropHandedOut()
            }
            let rec: RawRecord?
            do { rec = try reader.nextRecord() } catch {
                self.error = error
                rec = nil
            }
            guard let rec else {
                if head == queue.count { return nil }
                startFlush(upTo: .max)
                continue
            }
            if rec.type == .finishedRound {
                // perf handles its own records as it reads them, before the flush they trigger.
                startFlush(upTo: nextFlush)
                nextFlush = maxTimestamp
                return rec
            }
            guard let t = timestamp(rec) else { return rec }
            if t < lastFlush { outOfOrder += 1 }
            if t > maxTimestamp { maxTimestamp = t }
            if inOrder, head < queue.count, t < queue[queue.count &- 1].time { inOrder = false }
            queue.append(Queued(time: t, record: rec))
        }
    }

    /// `file.timestamp(rec)`, read straight from a sample of a one-event capture.
    @inline(__always)
    func timestamp(_ rec: RawRecord) -> UInt64? {
        guard rec.type == .sample, sampleTimeOffset >= 0 else { return file.timestamp(rec) }
        guard let t = try? rec.body.peekU64(at: sampleTimeOffset) else { return nil }
        return t == 0 || t == UInt64.max ? nil : t
    }

    /// Hands out, from the next `next()` on, the queued records with times up to `limit`, in order.
    mutating func startFlush(upTo limit: UInt64) {
        guard head < queue.count else { return }
        if !inOrder { sortQueue() }
        flushing = true
        flushLimit = limit
    }

    /// Sorts the queue by (time, arrival): the records kept from earlier flushes are already in that order
    /// and arrived before the rest, so their position in the queue stands for their arrival.
    mutating func sortQueue() {
        // Sorting (time, index) keys moves a fifth of the bytes; both buffers are kept for the next sort,
        // so that the queue does not grow again from a fresh array each time.
        keys.removeAll(keepingCapacity: true)
        for i in head..<queue.count { keys.append((queue[i].time, i)) }
        keys.sort { $0.time != $1.time ? $0.time < $1.time : $0.index < $1.index }
        spare.removeAll(keepingCapacity: true)
        for k in keys { spare.append(queue[k.index]) }
        swap(&queue, &spare)
        head = 0
        inOrder = true
    }

    /// Forgets the records handed out, when they are at least half of the queue (so each record is moved
    /// at most once more on average).
    mutating func dropHandedOut() {
        if head == queue.count {
            queue.removeAll(keepingCapacity: true)
            head = 0
        } else if head >= queue.count &- head {
            queue.removeFirst(head)
            head = 0
        }
    }
}

extension PerfFile {
    /// Records in perf's processing order (see `OrderedRecords`).
    public func orderedRecords() -> OrderedRecords { OrderedRecords(file: self) }
}
