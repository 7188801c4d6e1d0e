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
        let body = { [self] in result = work() }
        if let t = startThread(body) {
            thread = t
            started = true
        } else {
            body()
        }
    }

    public func value() -> T {
        if started {
            pthread_join(thread, nil)
            started = false
        }
        return result!
    }
}

/// Starts `body` on a thread of its own (joinable: join or detach it); nil when no thread could be had.
func startThread(_ body: @escaping () -> Void) -> pthread_t? {
    var thread = pthread_t()
    let context = Unmanaged.passRetained(ThreadBody(body)).toOpaque()
    guard pthread_create(&thread, nil, { context in
        Unmanaged<ThreadBody>.fromOpaque(context!).takeRetainedValue().run()
        return nil
    }, context) == 0 else {
        Unmanaged<ThreadBody>.fromOpaque(context).release()
        return nil
    }
    return thread
}

private final class ThreadBody {
    let run: () -> Void
    init(_ run: @escaping () -> Void) { self.run = run }
}

/// `body` over the two halves of `0..<count`, the second on another thread, when `count` is large
/// enough to be worth a thread (else over all of it at once); the results in order. `body` must only
/// touch what its range owns.
public func inTwoHalves<R>(_ count: Int, minimum: Int = 50_000, _ body: @escaping @Sendable (Range<Int>) -> R) -> [R] {
    guard count >= minimum else { return [body(0..<count)] }
    let half = count / 2
    let other = Background { body(half..<count) }
    let first = body(0..<half)
    return [first, other.value()]
}
