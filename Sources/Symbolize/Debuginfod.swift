// The only file that talks to libdebuginfod: the rest of the project sees DebuginfodConfig,
// DebuginfodClient and DebuginfodError.
import CDebuginfod
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// Which debuginfod servers to ask for binaries by build-id, and how long to wait.
public struct DebuginfodConfig: Sendable, Equatable {
    /// Server base URLs, as `DEBUGINFOD_URLS` lists them (e.g. `http://127.0.0.1:8002`).
    public var urls: [String]
    /// Where downloads are kept; nil: libdebuginfod's own choice (`$DEBUGINFOD_CACHE_PATH`, else
    /// `~/.cache/debuginfod_client`).
    public var cachePath: String?
    /// Longest wait for one download, connect included; past it the lookup fails (a server that accepts
    /// and never answers must not hang a run).
    public var timeoutSeconds: Int
    /// Largest download accepted, in bytes (as `DEBUGINFOD_MAXSIZE`); past it the download is cancelled.
    /// A server is trusted no more than a local file: one that streams without end must not fill the disk.
    public var maxBytes: Int

    /// 2 GiB: larger than the binaries and debug files of real services, far below a disk.
    public static let defaultMaxBytes = 2 << 30

    public init(
        urls: [String], cachePath: String? = nil, timeoutSeconds: Int = 30,
        maxBytes: Int = DebuginfodConfig.defaultMaxBytes
    ) {
        self.urls = urls
        self.cachePath = cachePath
        self.timeoutSeconds = timeoutSeconds
        self.maxBytes = maxBytes
    }

    /// The servers of a `DEBUGINFOD_URLS` value (space-separated, as perf, gdb and libdebuginfod read it).
    public static func urls(fromEnvironmentValue value: String?) -> [String] {
        (value ?? "").split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\n" }).map(String.init)
    }
}

/// Why a debuginfod lookup gave no file: the build-id, the servers and their answer.
public struct DebuginfodError: Error, Sendable, Equatable, CustomStringConvertible {
    public var buildID: String
    public var urls: [String]
    /// The errno libdebuginfod returned (positive), 0 when no request was made.
    public var code: Int32
    public var message: String
    public var description: String {
        "debuginfod \(urls.joined(separator: " ")): build-id \(buildID): \(message)"
    }
}

/// libdebuginfod's functions, from the library loaded on first use (see Sources/CDebuginfod/shim.h).
private struct LibDebuginfod {
    let begin: stackfold_debuginfod_begin
    let end: stackfold_debuginfod_end
    let setUserData: stackfold_debuginfod_set_user_data
    let getUserData: stackfold_debuginfod_get_user_data
    let setProgressfn: stackfold_debuginfod_set_progressfn
    let findExecutable: stackfold_debuginfod_find_executable

    static func load() -> Result<LibDebuginfod, DebuginfodUnavailable> {
        let name = "libdebuginfod.so.1"
        guard let h = dlopen(name, RTLD_NOW | RTLD_LOCAL) else {
            return .failure(DebuginfodUnavailable(reason: dlerror().map { String(cString: $0) } ?? "\(name) not found"))
        }
        func symbol<F>(_ s: String, _: F.Type) -> F? { dlsym(h, s).map { unsafeBitCast($0, to: F.self) } }
        guard let begin = symbol("debuginfod_begin", stackfold_debuginfod_begin.self),
            let end = symbol("debuginfod_end", stackfold_debuginfod_end.self),
            let setUserData = symbol("debuginfod_set_user_data", stackfold_debuginfod_set_user_data.self),
            let getUserData = symbol("debuginfod_get_user_data", stackfold_debuginfod_get_user_data.self),
            let setProgressfn = symbol("debuginfod_set_progressfn", stackfold_debuginfod_set_progressfn.self),
            let findExecutable = symbol("debuginfod_find_executable", stackfold_debuginfod_find_executable.self)
        else {
            return .failure(DebuginfodUnavailable(reason: "\(name) lacks a debuginfod_* function (too old?)"))
        }
        return .success(LibDebuginfod(begin: begin, end: end, setUserData: setUserData, getUserData: getUserData,
                                      setProgressfn: setProgressfn, findExecutable: findExecutable))
    }
}

/// Why no debuginfod client can be made on this machine.
public struct DebuginfodUnavailable: Error, Sendable, CustomStringConvertible {
    public var reason: String
    public var description: String { "libdebuginfod cannot be loaded: \(reason) (apt-get install libdebuginfod1)" }
}

/// Loaded once, on the first client; the progress callback reads it too (a C function pointer carries no
/// context).
private let libdebuginfodFunctions = LibDebuginfod.load()

/// Owns one libdebuginfod client handle. Each build-id is asked for once per process and server list
/// (several captures in one run share the answers): later lookups return the first answer, found or not.
/// Not thread-safe: one collapser owns one client.
public final class DebuginfodClient {
    public let config: DebuginfodConfig
    private let handle: OpaquePointer
    /// The download under way's deadline and size cap, read by the progress callback.
    private let limits: UnsafeMutablePointer<DownloadLimits>
    private var asked: Set<String> = []

    private let lib: LibDebuginfod

    /// Why clients cannot be made here (libdebuginfod missing), or nil when they can.
    public static var unavailable: DebuginfodUnavailable? {
        if case .failure(let e) = libdebuginfodFunctions { return e }
        return nil
    }

    /// nil when the config names no server, libdebuginfod cannot be loaded (see `unavailable`) or it
    /// cannot start a client.
    public init?(config: DebuginfodConfig) {
        guard !config.urls.isEmpty, case .success(let lib) = libdebuginfodFunctions, let h = lib.begin() else {
            return nil
        }
        self.config = config
        self.lib = lib
        handle = h
        limits = .allocate(capacity: 1)
        limits.initialize(to: DownloadLimits())
        lib.setUserData(h, limits)
        // Called by libdebuginfod while it waits (about once a second and on every chunk) with the bytes
        // received and the announced size; nonzero cancels.
        lib.setProgressfn(h) { c, received, total in
            guard case .success(let lib) = libdebuginfodFunctions, let p = lib.getUserData(c) else { return 0 }
            let l = p.assumingMemoryBound(to: DownloadLimits.self)
            l.pointee.received = max(l.pointee.received, Int(received))
            l.pointee.announced = max(l.pointee.announced, Int(total))
            if received > l.pointee.maxBytes || total > l.pointee.maxBytes {
                l.pointee.tooLarge = true
                return 1
            }
            return monotonicSeconds() > l.pointee.deadline ? 1 : 0
        }
    }

    deinit {
        lib.end(handle)
        limits.deallocate()
    }

    /// How many distinct build-ids this client was asked for.
    public var requests: Int { asked.count }

    /// The path of the executable with this build-id (lower-case hex), in the debuginfod cache.
    public func findExecutable(buildID id: String) -> Result<String, DebuginfodError> {
        asked.insert(id)
        func failure(_ code: Int32, _ message: String) -> Result<String, DebuginfodError> {
            .failure(DebuginfodError(buildID: id, urls: config.urls, code: code, message: message))
        }
        guard id.count >= 2, id.count % 2 == 0,
            id.utf8.allSatisfy({ ($0 >= 48 && $0 <= 57) || ($0 >= 97 && $0 <= 102) })
        else {
            return failure(0, "not a build-id (expected lower-case hex digits)")
        }
        // libdebuginfod reads its settings from the environment on every lookup; there is no API for them.
        // The environment is the process's: clients in other threads wait for this lookup to end.
        let key = config.urls.joined(separator: " ") + "\n" + (config.cachePath ?? "") + "\n" + id
        return libdebuginfod.withLock { answers in
            if let a = answers[key] { return a }
            let a = lookup(id, failure)
            answers[key] = a
            return a
        }
    }

    private func lookup(_ id: String, _ failure: (Int32, String) -> Result<String, DebuginfodError>) -> Result<
        String, DebuginfodError
    > {
        setenv("DEBUGINFOD_URLS", config.urls.joined(separator: " "), 1)
        if let cache = config.cachePath { setenv("DEBUGINFOD_CACHE_PATH", cache, 1) }
        // Its own stall limit (no bytes for N s), in case the progress callback is not reached.
        setenv("DEBUGINFOD_TIMEOUT", String(max(1, config.timeoutSeconds)), 1)
        // Its own check of the announced size; the progress callback checks the bytes as they come.
        setenv("DEBUGINFOD_MAXSIZE", String(max(1, config.maxBytes)), 1)
        limits.pointee = DownloadLimits(
            deadline: monotonicSeconds() + Double(max(1, config.timeoutSeconds)), maxBytes: max(1, config.maxBytes))
        defer { limits.pointee = DownloadLimits() }
        var path: UnsafeMutablePointer<CChar>?
        let fd = id.withCString {
            lib.findExecutable(handle, UnsafeRawPointer($0).assumingMemoryBound(to: UInt8.self), 0, &path)
        }
        if fd < 0 {
            if let path { free(path) }
            let cancelled = limits.pointee.tooLarge || monotonicSeconds() > limits.pointee.deadline
            // libdebuginfod says ENOENT, and caches a miss, for a transfer the server cut short too (curl's
            // other errors): fewer bytes than the announced size tell it from a 404, whose own short body
            // (debuginfod's is a few bytes) arrives whole.
            let cut = -fd == ENOENT && limits.pointee.received > 0 && limits.pointee.announced > limits.pointee.received
            // A cancelled or failed transfer must not leave an empty file: libdebuginfod reads one as a
            // remembered miss ("not found") for the next runs, without asking the server again.
            if cancelled || cut || -fd != ENOENT { removeEmptyCacheEntry(id) }
            if limits.pointee.tooLarge {
                return failure(
                    EFBIG,
                    "the download passed \(config.maxBytes) bytes (DEBUGINFOD_MAXSIZE) and was cancelled (errno \(EFBIG))"
                )
            }
            // Cancelled by the progress callback: libdebuginfod says ENOENT.
            if monotonicSeconds() > limits.pointee.deadline {
                return failure(ETIME, Self.explain(ETIME, timeout: config.timeoutSeconds))
            }
            if cut {
                return failure(
                    EIO,
                    "the transfer ended after \(limits.pointee.received) bytes, before the whole file (errno \(EIO))")
            }
            let e = -fd
            return failure(e, Self.explain(e, timeout: config.timeoutSeconds))
        }
        close(fd)
        guard let path else { return failure(0, "libdebuginfod returned no path") }
        defer { free(path) }
        return .success(String(cString: path))
    }

    /// Removes `<cache>/<build-id>/executable` when it is empty (left by a cancelled transfer).
    private func removeEmptyCacheEntry(_ id: String) {
        let env = { (k: String) in getenv(k).map { String(cString: $0) } }
        guard
            let cache = config.cachePath ?? env("DEBUGINFOD_CACHE_PATH")
                ?? env("XDG_CACHE_HOME").map({ $0 + "/debuginfod_client" })
                ?? env("HOME").map({ $0 + "/.cache/debuginfod_client" })
        else { return }
        let entry = "\(cache)/\(id)/executable"
        var st = stat()
        if lstat(entry, &st) == 0, (st.st_mode & S_IFMT) == S_IFREG, st.st_size == 0 { unlink(entry) }
    }

    static func explain(_ e: Int32, timeout: Int) -> String {
        let what: String
        switch e {
        case ENOENT: what = "not found on the server (HTTP 404, or a recent miss remembered in the debuginfod cache)"
        case ECONNREFUSED: what = "connection refused (is the server running?)"
        case EHOSTUNREACH: what = "host not found"
        case ECANCELED, ETIME, ETIMEDOUT: what = "no answer within \(timeout) s"
        case EACCES: what = "access denied by the server"
        case ENOSYS: what = "no server configured"
        default: what = String(cString: strerror(e))
        }
        return "\(what) (errno \(e))"
    }
}

/// What the progress callback checks; `tooLarge` is set when it cancelled for size.
private struct DownloadLimits {
    var deadline = Double.infinity
    var maxBytes = Int.max
    var tooLarge = false
    /// Bytes received so far (a 404's short body counts too) and the size the server announced (0: none).
    var received = 0
    var announced = 0
}

private func monotonicSeconds() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
}

/// The answers so far, per server list, cache and build-id; held while libdebuginfod runs with the
/// environment one client set.
private let libdebuginfod = Mutex<[String: Result<String, DebuginfodError>]>([:])
