#if canImport(Glibc)
import Glibc
#endif

/// Maps the pages of a file mapping on a thread of its own, front to back, ahead of a reader walking the
/// same bytes in order, and unmaps the pages the reader says it is done with.
///
/// Why: folding a 380 MB `--call-graph dwarf` capture spent as much time in the kernel as in our own
/// code: faulting the mapping in (one fault per 16 pages with fault-around, ~25 ms) and tearing its page
/// tables down at exit (~13 ms). On a second core both overlap the fold (docs/performance.md, "Page
/// faults off the reader's thread"). Neither changes what is read:
/// - the warmer only reads one byte per 16 pages (the kernel's fault-around maps the rest of those that
///   are in the page cache), so a reader that gets ahead of it takes the fault itself, as without it;
/// - released pages are dropped with `MADV_DONTNEED`, which for a private mapping that was never written
///   means that a later read faults the same file bytes in again: a release that comes too early costs
///   a fault, never a wrong byte.
/// The warmer's thread holds the file, so the mapping outlives it; dropping the warmer stops the thread.
public final class PageWarmer: @unchecked Sendable {
    /// Smaller ranges fault in faster than a thread starts (~0.1 ms against a few ms for 16 MB).
    public static let minimumBytes = 16 << 20
    /// Pages are released in blocks of at least this many bytes: each release interrupts the reader's
    /// core to flush its TLB.
    public static let releaseBlock = 8 << 20

    @usableFromInline let worker: PageWarmerThread
    /// The offset the reader last passed to the thread.
    @usableFromInline @exclusivity(unchecked) var lastRelease = 0

    /// Starts warming `range` of `file`; nil when the file is not a mapping (a pipe, a decompressed
    /// copy), the range is below `minimumBytes`, or no thread could be started.
    public init?(_ file: MappedFile, range: Range<Int>) {
        guard file.isMapped, range.lowerBound >= 0, range.upperBound <= file.count,
              range.count >= Self.minimumBytes, let worker = PageWarmerThread(file, range: range)
        else { return nil }
        self.worker = worker
    }

    deinit { worker.stop() }

    /// The reader needs none of the bytes before `offset` any more. Cheap unless a release block's worth
    /// has gathered since the last one passed on.
    @inlinable
    public func release(below offset: Int) {
        guard offset >= lastRelease &+ Self.releaseBlock else { return }
        lastRelease = offset
        worker.release(below: offset)
    }
}

/// The thread of a `PageWarmer`.
@usableFromInline
final class PageWarmerThread: @unchecked Sendable {
    /// Releases and warming steps end on multiples of this (a page-table page's span on x86-64).
    static let boundary = 2 << 20
    /// Bytes warmed between looks at what can be released.
    static let warmStep = 2 << 20

    private let file: MappedFile
    private let base: UnsafeRawPointer
    private let range: Range<Int>
    // Guard `doneBelow` and `stopRequested`; the thread waits on `wake` once everything is warmed. Heap
    // cells, since pthread objects must not move.
    private let lock = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
    private let wake = UnsafeMutablePointer<pthread_cond_t>.allocate(capacity: 1)
    private var doneBelow = 0
    private var stopRequested = false
    /// What the loads read, kept so that they are not optimized away.
    private var sink: UInt8 = 0

    init?(_ file: MappedFile, range: Range<Int>) {
        self.file = file
        self.base = file.bytes.baseAddress!
        self.range = range
        pthread_mutex_init(lock, nil)
        pthread_cond_init(wake, nil)
        // The thread's closure holds this object, and so the file, until `run` returns.
        guard let thread = startThread({ [self] in run() }) else { return nil }
        pthread_detach(thread)
    }

    deinit {
        pthread_cond_destroy(wake)
        pthread_mutex_destroy(lock)
        wake.deallocate()
        lock.deallocate()
    }

    @usableFromInline
    func release(below offset: Int) {
        locked {
            doneBelow = max(doneBelow, offset)
            pthread_cond_signal(wake)
        }
    }

    /// Ends the thread at its next look (it holds the file until then).
    func stop() {
        locked {
            stopRequested = true
            pthread_cond_signal(wake)
        }
    }

    private func locked<T>(_ body: () -> T) -> T {
        pthread_mutex_lock(lock)
        defer { pthread_mutex_unlock(lock) }
        return body()
    }

    private func run() {
        let stride = 16 * Int(sysconf(Int32(_SC_PAGESIZE)))
        var warmed = range.lowerBound
        var released = range.lowerBound / Self.boundary * Self.boundary
        let lastBoundary = range.upperBound / Self.boundary * Self.boundary
        var acc: UInt8 = 0
        while released < lastBoundary {
            // Once all is warmed, wait for the reader to release a block, or to stop.
            let (stop, done) = locked { () -> (Bool, Int) in
                while warmed >= range.upperBound, !stopRequested,
                      doneBelow < released + PageWarmer.releaseBlock {
                    pthread_cond_wait(wake, lock)
                }
                return (stopRequested, min(doneBelow, range.upperBound) / Self.boundary * Self.boundary)
            }
            if stop { break }
            if done >= released + PageWarmer.releaseBlock {
                _ = madvise(UnsafeMutableRawPointer(mutating: base + released), done - released, MADV_DONTNEED)
                released = done
            }
            // Never warm what is already released: the reader has passed it.
            warmed = max(warmed, released)
            let end = min((warmed / Self.warmStep + 1) * Self.warmStep, range.upperBound)
            while warmed < end {
                acc &+= base.load(fromByteOffset: warmed, as: UInt8.self)
                warmed = (warmed / stride + 1) * stride
            }
        }
        sink = acc
    }
}
