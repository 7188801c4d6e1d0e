import BinaryIO

#if canImport(Glibc)
import Glibc
#endif

// Plain libc I/O: linking Foundation only for these cost ~10 ms of start-up on every run.

/// Values kept until the process ends: when a command is done with a large capture or trace, the
/// kernel takes all its pages back at exit at once, where releasing it object by object (hundreds of
/// thousands of ranges, runs, samples and names) took tens of milliseconds after the output was written.
nonisolated(unsafe) private var keptUntilExit: [Any] = []

func keepUntilExit(_ value: Any) { keptUntilExit.append(value) }

func printError(_ s: String) {
    Progress.erase()
    // Messages quote names from the inputs: their control characters are escaped for the terminal
    // (the message's own line breaks kept).
    var line = TerminalText.escape(s, keepingLineBreaks: true)
    if !line.hasSuffix("\n") { line += "\n" }
    var buf = OutputBuffer(fd: 2)
    buf.append(line)
    buf.flush()
}

func writeStdout(_ s: String) {
    var buf = OutputBuffer(fd: 1)
    buf.append(s)
    buf.flush()
}

func readTextFile(_ path: String) throws -> String {
    do {
        let f = try openInput(path)
        return String(decoding: f.bytes, as: UTF8.self)
    } catch { throw UserError(error.description) }
}

/// Writes through a temporary file renamed into place, so readers never see half a file.
func writeFile(_ path: String, _ bytes: [UInt8]) throws {
    let tmp = path + ".tmp\(getpid())"
    let fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
    if fd < 0 { throw UserError("\(path): \(String(cString: strerror(errno)))") }
    var ok = true
    bytes.withUnsafeBytes { b in
        var off = 0
        while off < b.count {
            let n = write(fd, b.baseAddress! + off, b.count - off)
            if n < 0 { if errno == EINTR { continue }; ok = false; return }
            off += n
        }
    }
    let err = ok ? 0 : errno
    close(fd)
    if !ok || rename(tmp, path) != 0 {
        let e = ok ? errno : err
        unlink(tmp)
        throw UserError("\(path): \(String(cString: strerror(e)))")
    }
}

func environment(_ name: String) -> String? {
    guard let v = getenv(name) else { return nil }
    return String(cString: v)
}

/// A file's modification time as `YYYY-MM-DD hh:mm:ss +0000`.
func modificationTime(_ path: String) -> String? {
    var st = stat()
    guard stat(path, &st) == 0 else { return nil }
    var t = st.st_mtim.tv_sec
    var tm = tm()
    gmtime_r(&t, &tm)
    var buf = [CChar](repeating: 0, count: 40)
    let n = strftime(&buf, buf.count, "%Y-%m-%d %H:%M:%S +0000", &tm)
    return String(decoding: buf.prefix(n).map { UInt8(bitPattern: $0) }, as: UTF8.self)
}
