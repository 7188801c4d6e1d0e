// A cache of inflated DWARF, as perf keeps ~/.debug and debuginfod ~/.cache/debuginfod_client: libdw
// inflates every compressed debug section when it opens a file (libc's separate debug file: 10 MB from
// 3.8 MB, 266 M instructions, more than a whole fold of 25,000 dwarf samples costs otherwise), so the first
// run writes an ELF copy with those sections inflated (`InflatedDWARF`) and later runs open that instead.
import BinaryIO
import CElfUtils

#if canImport(Glibc)
import Glibc
#endif

/// A folder of inflated DWARF copies, `DIR/inflated/<build-id>-<fingerprint>.debug`. A copy is used only
/// when it is a regular file (not followed through a symlink), owned by this user, not writable by group or
/// others, and its ELF header and tail (build-id note, section names and headers) are byte for byte what
/// the source's plan writes, its size included; otherwise it is written again. Any failure leaves the
/// source to libdw's own inflation, which gives the same DWARF.
public struct DebugSectionCache: Sendable {
    public let dir: String
    public init(dir: String) { self.dir = dir }

    /// What happened for one file.
    public enum Outcome: Equatable, Sendable {
        /// No compressed DWARF: the file itself is read.
        case uncompressed
        /// A valid copy was there.
        case hit(path: String)
        /// A copy was written (none was there, or the one there was refused).
        case written(path: String)
        /// Not cached, for this reason: the file's own sections are inflated in memory, as without a cache.
        case skipped(reason: String)
    }

    /// The command line's cache folder: `$STACKFOLD_CACHE_DIR`, else `$XDG_CACHE_HOME/stackfold`, else
    /// `$HOME/.cache/stackfold`; nil (no cache) when STACKFOLD_CACHE_DIR is `off` or empty, or none is set.
    public static func folder(environment env: (String) -> String?) -> String? {
        if let d = env("STACKFOLD_CACHE_DIR") { return d.isEmpty || d == "off" ? nil : d }
        if let x = env("XDG_CACHE_HOME"), !x.isEmpty { return x + "/stackfold" }
        if let h = env("HOME"), !h.isEmpty { return h + "/.cache/stackfold" }
        return nil
    }

    /// An open descriptor of the inflated copy of `elf`'s DWARF (the caller closes it), or nil with why not.
    public func open(for elf: ELFFile) -> (fd: Int32?, outcome: Outcome) {
        let plan: InflatedDWARF
        do throws(InflatedDWARF.Refusal) {
            guard let p = try InflatedDWARF(elf) else { return (nil, .uncompressed) }
            plan = p
        } catch {
            return (nil, .skipped(reason: error.description))
        }
        let folder = dir + "/inflated"
        let id = plan.buildID.map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }.joined()
        let path = "\(folder)/\(id)-\(String(plan.fingerprint, radix: 16)).debug"
        if let fd = Self.openChecked(path, plan) { return (fd, .hit(path: path)) }
        if let why = Self.write(plan, from: elf.path, to: path, in: folder) { return (nil, .skipped(reason: why)) }
        guard let fd = Self.openChecked(path, plan) else { return (nil, .skipped(reason: "written copy unreadable")) }
        return (fd, .written(path: path))
    }

    /// `path` opened without following a symlink, when it is a copy `plan` would write and only this user
    /// can change it; nil otherwise.
    static func openChecked(_ path: String, _ plan: InflatedDWARF) -> Int32? {
        let fd = Glibc.open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK)
        guard fd >= 0 else { return nil }
        var st = stat()
        guard fstat(fd, &st) == 0, (st.st_mode & S_IFMT) == S_IFREG, st.st_uid == geteuid(),
            st.st_mode & 0o022 == 0, UInt64(st.st_size) == plan.fileSize,
            Self.read(fd, at: 0, count: plan.header.count) == plan.header,
            Self.read(fd, at: plan.tailOffset, count: plan.tail.count) == plan.tail
        else {
            close(fd)
            return nil
        }
        return fd
    }

    static func read(_ fd: Int32, at offset: UInt64, count: Int) -> [UInt8]? {
        var b = [UInt8](repeating: 0, count: count)
        let n = b.withUnsafeMutableBytes { pread(fd, $0.baseAddress, count, off_t(offset)) }
        return n == count ? b : nil
    }

    /// Writes the copy to a temporary file beside `path` (mode 0600, folder 0700) and renames it into
    /// place; nil when done, else why not.
    static func write(_ plan: InflatedDWARF, from source: String, to path: String, in folder: String) -> String? {
        guard makeFolder(folder) else { return "cannot create \(folder)" }
        let tmp = "\(path).\(getpid())-\(String(UInt64.random(in: 0 ... .max), radix: 16)).tmp"
        let fd = Glibc.open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o600)
        guard fd >= 0 else { return "cannot create \(tmp)" }
        let why = InflatedDWARF.Writer(plan: plan, fd: fd).write(from: source)
        close(fd)
        if let why {
            unlink(tmp)
            return why
        }
        guard rename(tmp, path) == 0 else {
            unlink(tmp)
            return "cannot rename \(tmp)"
        }
        return nil
    }

    /// `folder` and its parent, created 0700 when missing.
    static func makeFolder(_ folder: String) -> Bool {
        if let slash = folder.lastIndex(of: "/"), slash != folder.startIndex {
            let parent = String(folder[..<slash])
            if access(parent, F_OK) != 0 {
                if let up = parent.lastIndex(of: "/"), up != parent.startIndex { mkdir(String(parent[..<up]), 0o755) }
                mkdir(parent, 0o700)
            }
        }
        if mkdir(folder, 0o700) != 0, errno != EEXIST { return false }
        var st = stat()
        return lstat(folder, &st) == 0 && (st.st_mode & S_IFMT) == S_IFDIR
    }
}

extension InflatedDWARF {
    /// Inflates the source's sections with libelf (`elf_compress`, `elf_compress_gnu`: what libdw's
    /// `dwarf_begin` calls) and writes the copy.
    struct Writer {
        let plan: InflatedDWARF
        let fd: Int32

        /// nil when written, else why not.
        func write(from source: String) -> String? {
            let src = Glibc.open(source, O_RDONLY | O_CLOEXEC | O_NONBLOCK)
            guard src >= 0 else { return "cannot open \(source)" }
            defer { close(src) }
            var st = stat()
            guard fstat(src, &st) == 0, (st.st_mode & S_IFMT) == S_IFREG else { return "\(source): not a regular file" }
            _ = elf_version(UInt32(EV_CURRENT))
            guard let elf = elf_begin(src, ELF_C_READ_MMAP, nil) else { return "libelf cannot read \(source)" }
            defer { elf_end(elf) }
            guard put(plan.header, at: 0) else { return "write failed" }
            for s in plan.sections {
                guard let scn = elf_getscn(elf, s.index) else { return "libelf: no section \(s.index)" }
                switch s.compression {
                case .gabi: guard elf_compress(scn, 0, 0) >= 0 else { return "libelf cannot inflate \(s.name)" }
                case .gnu: guard elf_compress_gnu(scn, 0, 0) >= 0 else { return "libelf cannot inflate \(s.name)" }
                case .none: break
                }
                guard let data = s.compression == .none ? elf_rawdata(scn, nil) : elf_getdata(scn, nil),
                    UInt64(data.pointee.d_size) == s.size, s.size == 0 || data.pointee.d_buf != nil
                else { return "\(s.name): inflated size is not the declared one" }
                let bytes = UnsafeRawBufferPointer(start: data.pointee.d_buf, count: Int(s.size))
                guard put(bytes, at: s.offset) else { return "write failed" }
            }
            guard put(plan.tail, at: plan.tailOffset) else { return "write failed" }
            return nil
        }

        func put(_ b: [UInt8], at offset: UInt64) -> Bool { b.withUnsafeBytes { put($0, at: offset) } }

        func put(_ b: UnsafeRawBufferPointer, at offset: UInt64) -> Bool { DebugSectionCache.writeAll(fd, b, at: offset) }
    }
}

extension DebugSectionCache {
    /// All of `b` at `offset` of `fd`; false on a write error.
    static func writeAll(_ fd: Int32, _ b: UnsafeRawBufferPointer, at offset: UInt64) -> Bool {
        var done = 0
        while done < b.count {
            let n = pwrite(fd, b.baseAddress! + done, b.count - done, off_t(offset) + off_t(done))
            guard n > 0 else { return false }
            done += n
        }
        return true
    }
}
