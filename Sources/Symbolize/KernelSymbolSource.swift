// Kernel symbols for a capture: a kallsyms file, or this machine's when it ran the capture's kernel,
// kept in a cache folder per boot and module set when `Options.kernelSymbolCache` is set.
import BinaryIO

#if canImport(Glibc)
import Glibc
#endif

extension SymbolSources {
    /// The text symbols of a kallsyms file; `/proc/kallsyms` is this machine's, read through the cache.
    /// nil when the file has none.
    public func kernelSymbols(path: String) -> (any KernelSymbolLookup)? {
        if path == "/proc/kallsyms" { return runningKernelSymbols() }
        return (try? MappedFile(path: path)).flatMap { KernelSymbols(bytes: $0.bytes) }
    }

    /// Whether this machine runs the kernel a capture was recorded on (see `capturedOnRunningKernel`).
    public static func isRunningKernel(host: String, release: String, buildID: String?) -> Bool {
        var u = utsname()
        uname(&u)
        let mine = withUnsafeBytes(of: &u.nodename) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
        let running = withUnsafeBytes(of: &u.release) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
        let runningID = (try? MappedFile(path: "/sys/kernel/notes")).flatMap { gnuBuildID(notes: $0.bytes) }
        return capturedOnRunningKernel(host: host, release: release, buildID: buildID,
                                       runningHost: mine, runningRelease: running, runningBuildID: runningID)
    }

    /// Whether this machine's /proc/kallsyms names a capture's kernel frames: same host name and kernel
    /// release, and, when both are known, the same kernel build-id (as perf checks /sys/kernel/notes):
    /// hosts are often all called `localhost` and distribution kernels share releases across builds.
    public static func capturedOnRunningKernel(
        host: String, release: String, buildID: String?,
        runningHost: String, runningRelease: String, runningBuildID: String?
    ) -> Bool {
        guard host == runningHost, release == runningRelease else { return false }
        if let a = buildID, let b = runningBuildID { return a == b }
        return true
    }

    /// The GNU build-id in an ELF note section's bytes (`/sys/kernel/notes` holds the running kernel's).
    public static func gnuBuildID(notes: UnsafeRawBufferPointer) -> String? {
        var c = ByteCursor(notes)
        while c.remaining >= 12 {
            guard let nameSize = try? c.u32(), let descSize = try? c.u32(), let type = try? c.u32() else { return nil }
            let nameEnd = (Int(nameSize) + 3) & ~3, descEnd = (Int(descSize) + 3) & ~3
            guard nameEnd <= c.remaining else { return nil }
            let name = (try? c.bytes(Int(nameSize))).map { Array($0) } ?? []
            try? c.skip(nameEnd - Int(nameSize))
            guard descEnd <= c.remaining, let desc = try? c.bytes(Int(descSize)) else { return nil }
            try? c.skip(descEnd - Int(descSize))
            if type == 3, name == Array("GNU\0".utf8), !desc.isEmpty {
                return desc.map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }.joined()
            }
        }
        return nil
    }

    /// This machine's kernel symbols. The kernel formats /proc/kallsyms on every read (65 ms here, a third
    /// of folding a 466k-sample capture), so a copy is kept per boot and module set, as perf keeps ~/.debug.
    func runningKernelSymbols() -> (any KernelSymbolLookup)? {
        let cacheFile = options.kernelSymbolCache.flatMap(Self.kernelCacheFile(in:))
        if let c = cacheFile, let ks = SortedKernelSymbols(path: c) { return ks }
        guard let raw = Self.read("/proc/kallsyms") else { return nil }
        guard let ks = raw.withUnsafeBytes({ KernelSymbols(bytes: $0) }) else { return nil }
        if let c = cacheFile, let dir = options.kernelSymbolCache, let bytes = ks.cacheBytes() {
            Self.writeCache(bytes, to: c, in: dir)
            // The text cache earlier versions kept for this boot: no longer read.
            unlink(String(c.dropLast(4)) + ".txt")
        }
        return ks
    }

    static func read(_ p: String) -> [UInt8]? { (try? MappedFile(path: p)).map { Array($0.bytes) } }

    /// `dir/kallsyms-<boot id>-<hash of /proc/modules>.bin`; nil when the boot id is unknown.
    static func kernelCacheFile(in dir: String) -> String? {
        let boot = read("/proc/sys/kernel/random/boot_id").map {
            String(decoding: $0, as: UTF8.self).filter { $0.isHexDigit || $0 == "-" }
        }
        guard let boot, !boot.isEmpty, !dir.isEmpty else { return nil }
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for b in read("/proc/modules") ?? [] { h = (h ^ UInt64(b)) &* 0x100_0000_01b3 }
        return "\(dir)/kallsyms-\(boot)-\(String(h, radix: 16)).bin"
    }

    /// Best effort: a cache that cannot be written only costs the next run the read. Written beside
    /// and renamed, so that a reader never sees half a file.
    static func writeCache(_ text: [UInt8], to file: String, in dir: String) {
        if let slash = dir.lastIndex(of: "/"), slash != dir.startIndex { mkdir(String(dir[..<slash]), 0o755) }
        mkdir(dir, 0o755)
        let tmp = file + ".\(getpid())"
        let fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { return }
        let ok = text.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) == $0.count }
        close(fd)
        if !ok || rename(tmp, file) != 0 { unlink(tmp) }
    }
}
