// Attribution while perf.data is still being folded: the Go trace is read on a second thread in less
// time than the capture takes to fold, and that thread then attributes the samples folded so far
// instead of waiting. Only the same-clock case overlaps this way (perf -k mono with a Go ≥ 1.22 trace):
// its offset is known before any sample is read, and whether the samples bear it out is decided once
// every one is in.
import BinaryIO
import Collapse
import GoTrace
import PerfData

#if canImport(Glibc)
import Glibc
#endif

/// Same-clock attribution, built up a stretch of samples at a time: the facts of their stacks, their
/// agreement with the trace at offset 0, their placements, and the weight per (stack, GC state).
struct SameClockWork: Sendable {
    /// Per unique stack (root first), as alignment reads it; per distinct name, its facts once known.
    var facts: [AlignSample] = []
    var nameFacts: [AlignSample.NameFacts?] = []
    /// Per sample attributed so far: the first `placements.count` samples are done.
    var placements: [Placement] = []
    var good = 0, compared = 0
    /// `weights[stack * GCState.allCases.count + state.ordinal]`.
    var weights: [UInt64] = []

    static let offsetZero = ClockAlignment(method: .given, offset: 0, agreement: 0, samplesCompared: 0)

    /// Adds the facts of the stacks `tables` holds beyond those already known.
    mutating func addFacts(_ tables: StackTables, index: TraceIndex) {
        guard tables.stackCount > facts.count else { return }
        let functionIDs = index.functionIDs, startLengths = index.startLengths
        // Moved out while the lazy map below writes it (a second reference would copy it).
        var cache: [AlignSample.NameFacts?] = []
        swap(&cache, &nameFacts)
        defer { swap(&cache, &nameFacts) }
        if cache.count < tables.nameCount { cache += repeatElement(nil, count: tables.nameCount - cache.count) }
        facts.reserveCapacity(tables.stackCount)
        for stack in facts.count..<tables.stackCount {
            facts.append(AlignSample(time: 0, tid: 0, frames: tables.nameIDs(stack).lazy.map { id in
                if let f = cache[Int(id)] { return f }
                let f = AlignSample.nameFacts(tables.name(id), functionIDs: functionIDs, startLengths: startLengths)
                cache[Int(id)] = f
                return f
            }))
        }
    }

    /// Attributes the samples of `records` beyond those done (their stacks' facts must be known), over
    /// two threads when there are enough of them and `parallel` is set. `reserve`: how many samples
    /// there could be in all.
    mutating func add(_ records: UnsafeBufferPointer<FoldedSample>, index: TraceIndex, parallel: Bool, reserve: Int = 0)
    {
        let start = placements.count
        guard records.count > start else { return }
        // Room for every sample the fold could still record (see `PerfCollapser.collapse`): never copied
        // as it grows, and pages never written are never faulted in.
        if placements.capacity < records.count { placements.reserveCapacity(max(records.count, reserve)) }
        let chunk = SendableBuffer(UnsafeBufferPointer(rebasing: records[start...]))
        let halves = facts.withUnsafeBufferPointer { facts in
            let facts = SendableBuffer(facts)
            // Each half starts its lookups afresh: the hints only save time, they decide nothing.
            return inTwoHalves(chunk.buffer.count, minimum: parallel ? AlignedCapture.parallelMinimum : .max) { range in
                Self.attribute(UnsafeBufferPointer(rebasing: chunk.buffer[range]), facts: facts.buffer, index: index)
            }
        }
        for h in halves {
            good &+= h.good
            compared &+= h.compared
            placements.append(contentsOf: h.placements)
        }
        let states = GCState.allCases.count
        if weights.count < facts.count * states {
            // With room to spare: new stacks keep coming, and each move copies the whole table.
            if weights.capacity < facts.count * states { weights.reserveCapacity(facts.count * states * 2) }
            weights += repeatElement(0, count: facts.count * states - weights.count)
        }
        placements.withUnsafeBufferPointer { placements in
            weights.withUnsafeMutableBufferPointer {
                addStateWeights(records, placements, start..<records.count, into: $0)
            }
        }
    }

    /// Agreement at offset 0 and placements of `records`.
    static func attribute(_ records: UnsafeBufferPointer<FoldedSample>, facts: UnsafeBufferPointer<AlignSample>,
                          index: TraceIndex) -> (good: Int, compared: Int, placements: [Placement]) {
        let a = index.agreement(records.indices, alignment: offsetZero) { AlignedCapture.sample(records[$0], facts) }
        let placements = [Placement](unsafeUninitializedCapacity: records.count) { out, count in
            place(
                records, records.indices, into: out.baseAddress!, trace: index, alignment: offsetZero, hasParking: true
            ) {
                AlignedCapture.sample(records[$0], facts)
            }
            count = records.count
        }
        return (a.good, a.compared, placements)
    }
}

/// Adds the weight of each sample of `range` to its (stack, state) cell of `weights`
/// (`[stack * GCState.allCases.count + state.ordinal]`, large enough for every stack).
func addStateWeights(
    _ records: UnsafeBufferPointer<FoldedSample>, _ placements: UnsafeBufferPointer<Placement>, _ range: Range<Int>,
    into weights: UnsafeMutableBufferPointer<UInt64>
) {
    let states = GCState.allCases.count
    for i in range { weights[Int(records[i].stack) &* states &+ placements[i].gc.ordinal] &+= records[i].weight }
}

/// A buffer handed to another thread, which only reads it while its owner keeps it alive and unchanged.
struct SendableBuffer<T>: @unchecked Sendable {
    let buffer: UnsafeBufferPointer<T>
    init(_ b: UnsafeBufferPointer<T>) { buffer = b }
}

/// Hands the samples folded so far to the trace's thread once it has read the trace (see the top of
/// this file). The folding thread calls `offer` every `interval` samples and `close` after the fold;
/// the trace's thread calls `serve` once its index is built.
public final class AttributionPipeline: @unchecked Sendable {
    /// Samples folded between offers (tests lower it).
    nonisolated(unsafe) static var interval = 16_384
    /// Tests: the first offer waits until the trace's thread serves or declines, so that the samples
    /// are surely attributed while folding when it can.
    nonisolated(unsafe) static var offerWaitsForTrace = false

    private let lock = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
    private let changed = UnsafeMutablePointer<pthread_cond_t>.allocate(capacity: 1)
    /// The thread that folds: `serve` called on it (no second thread to be had) returns at once.
    private let folder = pthread_self()
    /// Whether the capture allows the same-clock alignment (perf's side of `sharesClock`, no offset given,
    /// no time window).
    private let wanted: Bool

    // Under the lock.
    private var index: TraceIndex?
    /// Whether the trace's thread serves; nil until it has read the trace.
    private var serving: Bool?
    private var job: (records: SendableBuffer<FoldedSample>, capacity: Int, tables: StackTables)?
    private var busy = false, closed = false
    /// Samples handed out so far.
    private var posted = 0

    /// The trace thread's while it serves, the folding thread's once closed.
    private var work = SameClockWork()
    /// How many samples were attributed while folding, and in how many stretches.
    private(set) var servedSamples = 0, servedStretches = 0

    init(perf: PerfFile, options: PerfCollapseOptions, clockOffset: Int64?) {
        wanted = clockOffset == nil && options.timeRange == nil && perfUsesMonotonic(perf)
        pthread_mutex_init(lock, nil)
        pthread_cond_init(changed, nil)
    }

    deinit {
        pthread_cond_destroy(changed)
        pthread_mutex_destroy(lock)
        changed.deallocate()
        lock.deallocate()
    }

    /// On the trace's thread, once `index` is built: attributes what the fold offers until `close()`.
    func serve(_ index: TraceIndex) {
        guard wanted, traceOnNanotime(index), pthread_equal(pthread_self(), folder) == 0 else { return decline() }
        var busyTime = Duration.zero
        pthread_mutex_lock(lock)
        self.index = index
        serving = true
        pthread_cond_broadcast(changed)
        while true {
            while job == nil, !closed { pthread_cond_wait(changed, lock) }
            guard let j = job else { break }
            job = nil
            pthread_mutex_unlock(lock)
            let start = PhaseTimer.enabled ? ContinuousClock.now : nil
            work.addFacts(j.tables, index: index)
            work.add(j.records.buffer, index: index, parallel: false, reserve: j.capacity)
            if let start { busyTime += ContinuousClock.now - start }
            pthread_mutex_lock(lock)
            servedSamples = work.placements.count
            servedStretches += 1
            busy = false
            pthread_cond_broadcast(changed)
        }
        pthread_mutex_unlock(lock)
        PhaseTimer.report(
            "\(servedSamples) samples attributed while folding, in \(servedStretches) stretches (second thread)",
            busyTime)
    }

    /// On the trace's thread when it will not serve (no trace, or not the same clock).
    func decline() {
        pthread_mutex_lock(lock)
        serving = false
        pthread_cond_broadcast(changed)
        pthread_mutex_unlock(lock)
    }

    /// On the folding thread, every `interval` samples: hands the new samples over when the trace's thread
    /// is free. The records must not move while that thread reads them: it is waited for when the next
    /// `interval` appends could find the array full.
    func offer(_ c: borrowing PerfCollapser) {
        let count = c.sampleRecords.count
        let spare = c.sampleRecords.capacity - count
        pthread_mutex_lock(lock)
        defer { pthread_mutex_unlock(lock) }
        if busy, spare < Self.interval {
            while busy { pthread_cond_wait(changed, lock) }
        }
        if Self.offerWaitsForTrace { while serving == nil { pthread_cond_wait(changed, lock) } }
        guard !busy, !closed, index != nil, spare >= Self.interval, count > posted else { return }
        let records = c.sampleRecords.withUnsafeBufferPointer { SendableBuffer($0) }
        job = (records, c.sampleRecords.capacity, c.stackTables)
        posted = count
        busy = true
        pthread_cond_broadcast(changed)
    }

    /// On the folding thread after the fold (or its failure): waits for the samples in hand, and lets
    /// `serve` return.
    func close() {
        pthread_mutex_lock(lock)
        while busy { pthread_cond_wait(changed, lock) }
        closed = true
        pthread_cond_broadcast(changed)
        pthread_mutex_unlock(lock)
    }

    /// What was attributed before `close()` (called here if it was not): every sample up to where the
    /// work stopped.
    func takeWork() -> SameClockWork {
        close()
        var w = SameClockWork()
        swap(&w, &work)
        return w
    }
}

/// How loading a capture with its trace failed: reading the trace, or folding the capture.
public enum AlignLoadError<TraceError: Error>: Error {
    case trace(TraceError)
    case perf(PerfDataError)
}

extension AlignedCapture {
    /// Folds `perf` (symbolized with `options`) while `readTrace` runs on a second thread, which then
    /// attributes the samples folded so far; aligns and attributes the rest. A trace error is reported
    /// before a fold error.
    public static func load<E: Error>(
        perf: PerfFile, options: PerfCollapseOptions, clockOffset: Int64? = nil,
        readTrace: @escaping @Sendable () -> Result<TraceIndex, E>
    ) throws(AlignLoadError<E>) -> AlignedCapture {
        let pipeline = AttributionPipeline(perf: perf, options: options, clockOffset: clockOffset)
        let reading = Background { () -> Result<TraceIndex, E> in
            let r = readTrace()
            if case .success(let index) = r { pipeline.serve(index) } else { pipeline.decline() }
            return r
        }
        var timer = PhaseTimer()
        var c = PerfCollapser(options: collapseOptions(options))
        let folded: Result<Void, PerfDataError>
        do throws(PerfDataError) {
            try c.collapse(perf, every: AttributionPipeline.interval) { pipeline.offer($0) }
            folded = .success(())
        } catch {
            folded = .failure(error)
        }
        pipeline.close()
        timer.lap("perf.data folded")
        let index: TraceIndex
        switch reading.value() {
        case .success(let i): index = i
        case .failure(let e): throw .trace(e)
        }
        timer.lap("waiting for the Go trace (read meanwhile)")
        if case .failure(let e) = folded { throw .perf(e) }
        do throws(PerfDataError) {
            return try AlignedCapture(
                collapsed: c, perf: perf, options: options, index: index, clockOffset: clockOffset, shiftSamples: 0,
                pipeline: pipeline)
        } catch {
            throw .perf(error)
        }
    }
}
