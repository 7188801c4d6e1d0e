// Kernel frames: which kallsyms a capture gets (given, this machine's, or its cache) and the lookups.
import BinaryIO
import PerfData
import Symbolize

#if canImport(Glibc)
import Glibc
#endif

extension PerfCollapser {
    mutating func loadKernelSymbols(_ file: PerfFile) {
        kallsymsTried = false
        kernelSymbols = nil
        kernelTextAddress = nil
        kernelNote = nil
        var path = options.kallsyms
        if path == nil, options.useRunningKernel, let host = file.features.hostname, let rel = file.features.osRelease {
            var u = utsname()
            uname(&u)
            let mine = withUnsafeBytes(of: &u.nodename) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
            let release = withUnsafeBytes(of: &u.release) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
            let recorded = file.features.buildIDs.first { $0.filename.hasPrefix("[kernel.kallsyms]") }?.buildID
            let running = (try? MappedFile(path: "/sys/kernel/notes")).flatMap { Self.gnuBuildID(notes: $0.bytes) }
            if Self.capturedOnRunningKernel(host: host, release: rel, buildID: recorded,
                                            runningHost: mine, runningRelease: release, runningBuildID: running) {
                path = "/proc/kallsyms"
            } else {
                let id = recorded.map { ", build-id \($0)" } ?? ""
                kernelNote = "kernel frames stay [unknown]: the capture was made on \(host) (kernel \(rel)\(id)), not on this kernel; "
                    + "pass --kallsyms with a copy of /proc/kallsyms from there"
            }
        } else if path == nil, options.useRunningKernel {
            // Older headers (and killed captures) do not say where they were made: this machine's may not be it.
            kernelNote = "kernel frames stay [unknown]: the capture does not record its host and kernel (no hostname or "
                + "osrelease header); pass --kallsyms with a copy of /proc/kallsyms from the machine that recorded it"
        }
        kallsymsPath = path
    }

    /// Whether this machine's /proc/kallsyms names a capture's kernel frames: same host name and kernel
    /// release, and, when both are known, the same kernel build-id (as perf checks /sys/kernel/notes):
    /// hosts are often all called `localhost` and distribution kernels share releases across builds.
    static func capturedOnRunningKernel(host: String, release: String, buildID: String?,
                                        runningHost: String, runningRelease: String, runningBuildID: String?) -> Bool {
        guard host == runningHost, release == runningRelease else { return false }
        if let a = buildID, let b = runningBuildID { return a == b }
        return true
    }

    /// The GNU build-id in an ELF note section's bytes (`/sys/kernel/notes` holds the running kernel's).
    static func gnuBuildID(notes: UnsafeRawBufferPointer) -> String? {
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

    mutating func kernelSymbolTable() -> (any KernelSymbolLookup)? {
        if kallsymsTried { return kernelSymbols }
        kallsymsTried = true
        guard let path = kallsymsPath else {
            if let note = kernelNote { warnings.append(note) }
            return nil
        }
        let ks: (any KernelSymbolLookup)?
        if path == "/proc/kallsyms" {
            ks = Self.runningKernelSymbols()
        } else {
            ks = (try? MappedFile(path: path)).flatMap { KernelSymbols(bytes: $0.bytes) }
        }
        guard let ks else {
            warnings.append("\(path): no kernel text symbols read; kernel frames stay [kernel.kallsyms]")
            return nil
        }
        kernelSymbols = ks
        return ks
    }

    /// This machine's kernel symbols. The kernel formats /proc/kallsyms on every read (65 ms here, a third
    /// of folding a 466k-sample capture), so a copy is kept per boot and module set, as perf keeps ~/.debug.
    static func runningKernelSymbols() -> (any KernelSymbolLookup)? {
        func read(_ p: String) -> [UInt8]? { (try? MappedFile(path: p)).map { Array($0.bytes) } }
        let boot = read("/proc/sys/kernel/random/boot_id").map { String(decoding: $0, as: UTF8.self).filter { $0.isHexDigit || $0 == "-" } }
        var cacheFile: String?
        if let boot, !boot.isEmpty {
            var h: UInt64 = 0xcbf2_9ce4_8422_2325
            for b in read("/proc/modules") ?? [] { h = (h ^ UInt64(b)) &* 0x100_0000_01b3 }
            let home = getenv("XDG_CACHE_HOME").map { String(cString: $0) } ?? (getenv("HOME").map { String(cString: $0) + "/.cache" } ?? "")
            if !home.isEmpty { cacheFile = "\(home)/stackfold/kallsyms-\(boot)-\(String(h, radix: 16)).txt" }
        }
        if let c = cacheFile, let ks = SortedKernelSymbols(path: c) { return ks }
        guard let raw = read("/proc/kallsyms") else { return nil }
        guard let ks = raw.withUnsafeBytes({ KernelSymbols(bytes: $0) }) else { return nil }
        if let c = cacheFile {
            // Best effort: a cache that cannot be written only costs the next run the read.
            let dir = String(c[..<c.lastIndex(of: "/")!])
            mkdir(String(dir[..<dir.lastIndex(of: "/")!]), 0o755)
            mkdir(dir, 0o755)
            let tmp = c + ".\(getpid())"
            let fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
            if fd >= 0 {
                let text = ks.textLines()
                let ok = text.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) == $0.count }
                close(fd)
                if !ok || rename(tmp, c) != 0 { unlink(tmp) }
            }
        }
        return ks
    }

    /// A kernel frame's symbol and offset from kallsyms; nil without kallsyms or without a symbol there.
    mutating func kernelSymbol(_ address: UInt64, mapping m: Mapping) -> (name: String, offset: UInt64)? {
        guard let ks = kernelSymbolTable() else { return nil }
        // perf's kernel map starts at _text as it was in memory; kallsyms says where _text was for its boot.
        var reloc: UInt64 = 0
        if m.filename.hasPrefix("[kernel.kallsyms]") {
            if kernelTextAddress == nil { kernelTextAddress = ks.address(of: "_text") ?? 0 }
            if let text = kernelTextAddress, text != 0 { reloc = m.pageOffset &- text }
        }
        guard let s = ks.symbolAndStart(at: address &- reloc) else { return nil }
        // The symbol must lie in the address's own map, on the same side of its end: else it is the last
        // symbol before a module or region kallsyms does not cover, and its name would be wrong.
        let start = s.start &+ reloc
        guard start >= m.start, (start < m.end) == (address < m.end) else { return nil }
        return (s.name, address &- start)
    }
}
