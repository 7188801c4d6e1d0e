#if canImport(Glibc)
import Glibc
#endif

/// CPU time the calling thread has used since this clock was made. Time bounds on hostile input say that
/// the work is not quadratic or unbounded; measured on the wall clock they also measured how busy the
/// machine was (tests run in parallel, often beside a build): a 2-second read took 16 s under load. The
/// code these bounds cover runs on the test's own thread, so its CPU time is the work itself.
public struct ThreadCPUClock {
    private let start: Double

    public init() { start = Self.now() }

    /// Seconds of this thread's CPU time since `init`.
    public var seconds: Double { Self.now() - start }

    private static func now() -> Double {
        var t = timespec()
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t)
        return Double(t.tv_sec) + Double(t.tv_nsec) / 1e9
    }
}
