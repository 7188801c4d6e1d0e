// The per-sample facts alignment reads: time, thread and what its stack says about the goroutine.
import BinaryIO
import Collapse
import GoTrace
import PerfData

/// A sample, as alignment needs it: plain values, no references (there is one per perf sample, and
/// alignment scans them many times).
public struct AlignSample: Sendable {
    public var time: UInt64
    public var tid: Int32
    /// The outermost Go frame of its stack that some goroutine of the trace started in (the goroutine's
    /// start function for goroutine stacks), as an index of `TraceIndex.functions`; -1 for none.
    public var root: Int32
    /// Its stack names a background mark worker (`runtime.gcBgMarkWorker`).
    public var inMarkWorker: Bool
    /// Its stack is in a mark assist (`runtime.gcAssistAlloc`, or `gcAssistAlloc1` on the system stack).
    public var inAssist: Bool
    /// Its stack is the scheduler looking for work (no goroutine on the thread).
    public var inScheduler: Bool = false
    /// Its stack passes through `runtime.mcall`: the scheduler entered from a goroutine (parking,
    /// yielding or exiting), whose frames are still below it.
    public var viaMcall: Bool = false
    public init(
        time: UInt64, tid: Int32, root: Int32, inMarkWorker: Bool, inAssist: Bool = false, inScheduler: Bool = false,
        viaMcall: Bool = false
    ) {
        self.inScheduler = inScheduler
        self.viaMcall = viaMcall
        self.time = time
        self.tid = tid
        self.root = root
        self.inMarkWorker = inMarkWorker
        self.inAssist = inAssist
    }

    /// A sample whose stack has these frames (root first: the process, then the outermost frame).
    public init(time: UInt64, tid: Int32, frames names: [String], index: TraceIndex) {
        self.init(time: time, tid: tid, frames: names, functionIDs: index.functionIDs, startLengths: index.startLengths)
    }

    /// As `init(time:tid:frames:index:)`, with the index's start functions (not the whole index: a
    /// struct of arrays, copied per call).
    init(time: UInt64, tid: Int32, frames names: [String], functionIDs: [String: Int32], startLengths: [Bool]) {
        self.init(
            time: time, tid: tid,
            frames: names.lazy.map { Self.nameFacts($0, functionIDs: functionIDs, startLengths: startLengths) })
    }

    /// From the facts of each frame's name (`nameFacts`), root first.
    init<Names: Sequence<NameFacts>>(time: UInt64, tid: Int32, frames: Names) {
        var root: Int32 = -1
        var flags: UInt8 = 0
        for (i, f) in frames.enumerated() {
            // The root is the outermost frame that some goroutine started in (frame-pointer stacks can
            // lose frames, so the very outermost one is not always it); the first frame is the process.
            if root < 0, i > 0, f.startFunction >= 0 { root = f.startFunction }
            flags |= f.flags
        }
        self.init(time: time, tid: tid, root: root, inMarkWorker: flags & NameFacts.markWorker != 0,
                  inAssist: flags & NameFacts.assist != 0, inScheduler: root < 0 && flags & NameFacts.scheduler != 0,
                  viaMcall: flags & NameFacts.mcall != 0)
    }

    /// What alignment reads from a frame name: the start function it is, and the runtime frames that
    /// tell GC work and the scheduler apart.
    struct NameFacts {
        var startFunction: Int32
        var flags: UInt8
        static let markWorker: UInt8 = 1, assist: UInt8 = 2, scheduler: UInt8 = 4, mcall: UInt8 = 8
    }

    static func nameFacts(_ name: String, functionIDs: [String: Int32], startLengths: [Bool]) -> NameFacts {
        let n = name.utf8.count
        var f = NameFacts(startFunction: -1, flags: 0)
        // Names of no start function's length are not hashed.
        if n < startLengths.count, startLengths[n], let id = functionIDs[name] { f.startFunction = id }
        if frame(name, n, is: "runtime.gcBgMarkWorker") { f.flags |= NameFacts.markWorker }
        if frame(name, n, is: "runtime.gcAssistAlloc") || frame(name, n, is: "runtime.gcAssistAlloc1") {
            f.flags |= NameFacts.assist
        }
        if frame(name, n, is: "runtime.findRunnable") || frame(name, n, is: "runtime.stopm") {
            f.flags |= NameFacts.scheduler
        }
        if frame(name, n, is: "runtime.mcall") { f.flags |= NameFacts.mcall }
        return f
    }

    /// `name == target`, `n` being the name's UTF-8 length (most names differ in length: no comparison).
    @inline(__always) private static func frame(_ name: String, _ n: Int, is target: String) -> Bool {
        n == target.utf8.count && name == target
    }
}
