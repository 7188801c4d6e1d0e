import BinaryIO

/// Delivers records in the order `perf script` and `perf report` process them (tools/perf/util/ordered-events.c):
///
/// - records without a timestamp (perf's own records, synthesized ones with an all-zero trailer) go out at once;
/// - timed records are queued; at each FINISHED_ROUND the queue is flushed up to the highest timestamp seen
///   before the *previous* round mark (the kernel guarantees nothing older arrives after a full round);
/// - at the end everything left is flushed. Equal timestamps keep file order.
///
/// Without FINISHED_ROUND (pipe mode with one CPU, old files) this is a full sort at the end, as in perf.
///
/// The queue holds where each record starts and its time (24 bytes), not the record: a record is built
/// again from its header when handed out, as the reader built it. It is kept sorted by (time, arrival)
/// from `head` on, so a flush hands out a prefix of it, one record per `next()`. Records mostly arrive
/// in time order (each CPU's buffer is; a round is a few such runs), so the queue is sorted only at a
/// flush that finds it out of order, by merging those runs.
public struct OrderedRecords: IteratorProtocol, Sequence {
    @usableFromInline var reader: RecordReader
    let file: PerfFile
    /// Queued records: `queue[head...]`, in (time, arrival) order when `inOrder`.
    @usableFromInline var queue: [Queued] = []
    @usableFromInline var head = 0
    var inOrder = true
    /// Buffers of `sortQueue`.
    var spare: [Queued] = []
    var runEnds: [Int] = []
    /// While a flush hands out records: everything queued up to this time goes first.
    @usableFromInline var flushLimit: UInt64 = 0
    @usableFromInline var flushing = false
    var nextFlush: UInt64 = 0
    /// File offsets of the last two FINISHED_ROUND marks, oldest first (`PageWarmer.release`).
    var roundMarks = (0, 0)
    var maxTimestamp: UInt64 = 0
    @usableFromInline var lastFlush: UInt64 = 0
    /// Where a SAMPLE's time sits when the capture has one event (-1: read it through `file.timestamp`).
    let sampleTimeOffset: Int
    /// Records that arrived older than what had already been flushed (perf's "out of order event").
    public private(set) var outOfOrder = 0
    public private(set) var error: PerfDataError?

    /// A queued record: its time, where it starts and its chunk (`RecordReader.record(at:chunk:)`).
    @usableFromInline struct Queued {
        @usableFromInline var time: UInt64
        @usableFromInline var at: UnsafeRawPointer
        @usableFromInline var chunk: Int
    }

    public init(file: PerfFile) {
        self.file = file
        self.reader = file.records()
        let events = file.events
        sampleTimeOffset = events.count == 1 ? events[0].layout.head.time : -1
    }

    /// The next record in perf's order. While a flush is under way this is inlined in the caller: the
    /// call and the copy of its result cost ~40 instructions a record.
    @inlinable
    public mutating func next() -> RawRecord? {
        if flushing, head < queue.count, queue[head].time <= flushLimit, queue[head].chunk < 0 {
            let q = queue[head]
            head &+= 1
            lastFlush = q.time
            // The reader's fields, not a method of it: calling one copied the reader (~30 instructions).
            return RecordReader.record(
                at: q.at, offset: q.at - reader.fileBase.unsafelyUnwrapped, chunk: nil, order: reader.cursor.order)
        }
        return nextQueued()
    }

    /// `next()` when the queue has nothing to hand out: reads and queues records up to the next one to
    /// hand out.
    @usableFromInline
    mutating func nextQueued() -> RawRecord? {
        while true {
            if flushing {
                if head < queue.count, queue[head].time <= flushLimit {
                    let q = queue[head]
                    head &+= 1
                    lastFlush = q.time
                    return reader.record(at: q.at, chunk: q.chunk)
                }
                flushing = false
                dropHandedOut()
            }
            let rec: RawRecord?
            if let (p, type, size) = reader.nextPlainStart() {
                // A sample of a one-event capture is queued without building its record.
                if type == .sample, sampleTimeOffset >= 0 {
                    guard let t = sampleTime(p, size: size) else { return reader.record(at: p, chunk: -1) }
                    enqueue(t, at: p, chunk: -1)
                    continue
                }
                rec = reader.record(at: p, chunk: -1)
            } else {
                do { rec = try reader.nextRecordChecked() } catch {
                    self.error = error
                    rec = nil
                }
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
                // This flush hands out what was read before the last mark; the one before it has handed
                // out what was read before the mark before that, and its records have been handled.
                if !rec.fromCompressed {
                    reader.warmer?.release(below: roundMarks.0)
                    roundMarks = (roundMarks.1, rec.offset)
                }
                return rec
            }
            guard let t = timestamp(rec), let (at, chunk) = reader.start(of: rec) else { return rec }
            enqueue(t, at: at, chunk: chunk)
        }
    }

    @inline(__always)
    mutating func enqueue(_ t: UInt64, at: UnsafeRawPointer, chunk: Int) {
        if t < lastFlush { outOfOrder += 1 }
        if t > maxTimestamp { maxTimestamp = t }
        if inOrder, head < queue.count, t < queue[queue.count &- 1].time { inOrder = false }
        queue.append(Queued(time: t, at: at, chunk: chunk))
    }

    /// The time of the `size`-byte SAMPLE at `p` of a one-event capture, as `file.timestamp` reads it.
    @inline(__always)
    func sampleTime(_ p: UnsafeRawPointer, size: Int) -> UInt64? {
        guard sampleTimeOffset <= size &- 16 else { return nil }
        let raw = p.loadUnaligned(fromByteOffset: 8 &+ sampleTimeOffset, as: UInt64.self)
        let t = reader.cursor.swapsBytes ? raw.byteSwapped : raw
        return t == 0 || t == UInt64.max ? nil : t
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

    /// Sorts the queue by (time, arrival). It is a few runs in time order (the records kept from earlier
    /// flushes, then one per CPU buffer of the round), each of which arrived after the one before: merging
    /// neighbouring runs, the left one first at equal times, keeps arrival order, in log2(runs) passes.
    mutating func sortQueue() {
        runEnds.removeAll(keepingCapacity: true)
        for i in (head &+ 1)..<queue.count where queue[i].time < queue[i &- 1].time { runEnds.append(i &- head) }
        runEnds.append(queue.count &- head)
        spare.removeAll(keepingCapacity: true)
        spare.append(contentsOf: queue[head...])
        // Each pass merges `spare`'s runs two by two into `queue`, then the two swap.
        while runEnds.count > 1 {
            queue.removeAll(keepingCapacity: true)
            var start = 0, k = 0, w = 0
            while k < runEnds.count {
                let mid = runEnds[k]
                let end = k &+ 1 < runEnds.count ? runEnds[k &+ 1] : mid
                Self.merge(spare, start, mid, end, into: &queue)
                runEnds[w] = end
                w &+= 1
                start = end
                k &+= 2
            }
            runEnds.removeLast(runEnds.count &- w)
            swap(&queue, &spare)
        }
        swap(&queue, &spare)
        head = 0
        inOrder = true
    }

    /// Appends `a[start..<mid]` and `a[mid..<end]`, each in time order, merged; the first at equal times.
    static func merge(_ a: [Queued], _ start: Int, _ mid: Int, _ end: Int, into out: inout [Queued]) {
        var i = start, j = mid
        while i < mid, j < end {
            if a[j].time < a[i].time {
                out.append(a[j])
                j &+= 1
            } else {
                out.append(a[i])
                i &+= 1
            }
        }
        out.append(contentsOf: a[i..<mid])
        out.append(contentsOf: a[j..<end])
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
