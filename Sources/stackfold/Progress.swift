import BinaryIO

#if canImport(Glibc)
import Glibc
#endif

/// A progress line on stderr for long runs: shown only when stderr is a terminal, from 2 seconds on
/// (STACKFOLD_PROGRESS_AFTER=seconds changes that), rewritten in place twice a second and erased when
/// the work ends or a message is printed. The readers report no position, so it says what is read,
/// how big it is and for how long.
final class Progress: @unchecked Sendable {
    nonisolated(unsafe) private static var lock = pthread_mutex_t()
    nonisolated(unsafe) private static var showing = false

    private let what: String
    private var stopped = false
    private var worker: Background<Void>?

    /// Starts the line for reading `paths`; nil when stderr is not a terminal, or when results go to
    /// the same terminal (standard output on a terminal and no -o), where the two would mix.
    static func start(reading paths: [String], outputFile: String? = nil) -> Progress? {
        guard isatty(2) == 1, isatty(1) == 0 || (outputFile != nil && outputFile != "-") else { return nil }
        let files = paths.filter { $0 != "-" }
        var size: Int64 = 0
        for p in files { var st = stat(); if stat(p, &st) == 0 { size &+= Int64(st.st_size) } }
        let what =
            "reading " + (files.isEmpty ? "standard input" : files.joined(separator: ", "))
            + (size > 0 ? " (\(bytes(size)))" : "")
        let delay = environment("STACKFOLD_PROGRESS_AFTER").flatMap(Double.init).map { max(0, min($0, 3600)) } ?? 2
        let p = Progress(what)
        // From the start when asked for at once (0 s): shown before the work begins, not at the loop's
        // first tick 0.1 s later, which a short run ends before.
        if delay == 0 { p.show(elapsed: 0) }
        p.worker = Background { p.loop(after: delay) }
        return p
    }

    private init(_ what: String) { self.what = what }

    private func loop(after delay: Double) {
        var start = timespec()
        clock_gettime(CLOCK_MONOTONIC, &start)
        var next = delay
        while true {
            usleep(100_000)
            var now = timespec()
            clock_gettime(CLOCK_MONOTONIC, &now)
            let elapsed = Double(now.tv_sec - start.tv_sec) + Double(now.tv_nsec - start.tv_nsec) / 1e9
            pthread_mutex_lock(&Progress.lock)
            if stopped { pthread_mutex_unlock(&Progress.lock); return }
            if elapsed >= next {
                showLocked(elapsed: elapsed)
                next = elapsed + 0.5
            }
            pthread_mutex_unlock(&Progress.lock)
        }
    }

    private func show(elapsed: Double) {
        pthread_mutex_lock(&Progress.lock)
        showLocked(elapsed: elapsed)
        pthread_mutex_unlock(&Progress.lock)
    }

    private func showLocked(elapsed: Double) {
        write("\r\u{1b}[Kstackfold: \(what): \(Int(elapsed)) s")
        Progress.showing = true
    }

    /// Ends the line (erased if shown); call before writing results or errors.
    func stop() {
        pthread_mutex_lock(&Progress.lock)
        stopped = true
        Progress.eraseLocked()
        pthread_mutex_unlock(&Progress.lock)
        worker?.value()
        worker = nil
    }

    /// Erases a progress line on stderr, if one is shown, so a message starts on a clean line.
    static func erase() {
        pthread_mutex_lock(&lock)
        eraseLocked()
        pthread_mutex_unlock(&lock)
    }

    private static func eraseLocked() {
        if showing { write("\r\u{1b}[K"); showing = false }
    }

    deinit { if worker != nil { stop() } }
}

private func write(_ s: String) {
    var s = s
    s.withUTF8 { b in _ = Glibc.write(2, b.baseAddress, b.count) }
}

private func bytes(_ n: Int64) -> String {
    if n >= 1 << 30 { return cFormat("%.1f GB", Double(n) / Double(1 << 30)) }
    if n >= 1 << 20 { return cFormat("%.1f MB", Double(n) / Double(1 << 20)) }
    return cFormat("%.0f KB", Double(n) / 1024)
}
