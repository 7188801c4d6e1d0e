#if canImport(Glibc)
import Glibc
#endif

/// A value computed on a thread of its own (pthreads: Foundation's Thread would cost every command its
/// start-up); `value()` waits for it. Without a thread to be had, the work is done at once.
public final class Background<T>: @unchecked Sendable {
    // Written by the worker before it ends, read only after joining it.
    private var result: T?
    private var thread = pthread_t()
    private var started = false

    public init(_ work: @escaping @Sendable () -> T) {
        let body = ThreadBody { [self] in result = work() }
        let context = Unmanaged.passRetained(body).toOpaque()
        started = pthread_create(&thread, nil, { context in
            Unmanaged<ThreadBody>.fromOpaque(context!).takeRetainedValue().run()
            return nil
        }, context) == 0
        if !started { Unmanaged<ThreadBody>.fromOpaque(context).takeRetainedValue().run() }
    }

    public func value() -> T {
        if started {
            pthread_join(thread, nil)
            started = false
        }
        return result!
    }
}

private final class ThreadBody {
    let run: () -> Void
    init(_ run: @escaping () -> Void) { self.run = run }
}

/// Runs `body` over the two halves of `0..<count`, the second on another thread, when `count` is
/// large enough to be worth a thread; `body` must only touch what its range owns.
public func inTwoHalves(_ count: Int, minimum: Int = 50_000, _ body: @escaping @Sendable (Range<Int>) -> Void) {
    guard count >= minimum else {
        body(0..<count)
        return
    }
    let half = count / 2
    let other = Background { body(half..<count) }
    body(0..<half)
    other.value()
}
