#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Failure to open or map a file; names the path and the system's reason.
public struct FileError: Error, Sendable, CustomStringConvertible {
    public var path: String
    public var message: String
    public init(path: String, message: String) {
        self.path = path
        self.message = message
    }
    public var description: String { "\(path): \(message)" }
}

/// A whole file's bytes, memory-mapped read-only (or read into memory for pipes and stdin).
///
/// A class so that cursors and records borrowed from it stay valid as long as it is referenced.
/// The bytes never change after init, hence `@unchecked Sendable`.
public final class MappedFile: @unchecked Sendable {
    public let path: String
    public let bytes: UnsafeRawBufferPointer
    private let mapped: Bool
    /// The bytes came from `malloc` (adopted from a decompressor), not from `allocate`.
    private var malloced = false

    /// Maps `path`; `-` reads standard input to the end. `regularOnly`: for paths that an input named
    /// (a binary an mmap record names, a debug file, a download): only a regular file is opened, since a
    /// device (`/dev/zero`, `/dev/tty`) or FIFO is read without end or blocks; a regular file whose size
    /// is not known until read (procfs) is read up to `FileLimits.unsizedRead` bytes.
    public init(path: String, regularOnly: Bool = false) throws(FileError) {
        self.path = path
        if path == "-" && !regularOnly {
            self.bytes = try MappedFile.readAll(fd: 0, path: "<stdin>")
            self.mapped = false
            return
        }
        // O_NONBLOCK: opening a FIFO that nobody writes must not hang before fstat can refuse it.
        let fd = open(path, O_RDONLY | O_CLOEXEC | (regularOnly ? O_NONBLOCK : 0))
        if fd < 0 { throw FileError(path: path, message: String(cString: strerror(errno))) }
        defer { close(fd) }
        var st = stat()
        if fstat(fd, &st) != 0 { throw FileError(path: path, message: String(cString: strerror(errno))) }
        if regularOnly, (st.st_mode & S_IFMT) != S_IFREG {
            throw FileError(path: path, message: "not a regular file (\(FileLimits.kind(st.st_mode))); not read")
        }
        if (st.st_mode & S_IFMT) != S_IFREG {
            // FIFOs, character devices, process substitution: read them.
            self.bytes = try MappedFile.readAll(fd: fd, path: path)
            self.mapped = false
            return
        }
        let size = Int(st.st_size)
        if size == 0 {
            // Empty, or a /proc file whose size is not known until read (/proc/kallsyms).
            self.bytes = try MappedFile.readAll(
                fd: fd, path: path, limit: regularOnly ? FileLimits.unsizedRead : Int.max)
            self.mapped = false
            return
        }
        guard let p = mmap(nil, size, PROT_READ, MAP_PRIVATE, fd, 0), p != MAP_FAILED else {
            throw FileError(path: path, message: "mmap failed: \(String(cString: strerror(errno)))")
        }
        _ = madvise(p, size, MADV_SEQUENTIAL)
        self.bytes = UnsafeRawBufferPointer(start: p, count: size)
        self.mapped = true
    }

    /// Owns a copy of `data` (tests, decompressed buffers).
    public init(path: String, copying data: some Collection<UInt8>) {
        self.path = path
        let p = UnsafeMutableRawBufferPointer.allocate(byteCount: max(data.count, 1), alignment: 16)
        p.copyBytes(from: data)
        self.bytes = UnsafeRawBufferPointer(start: p.baseAddress, count: data.count)
        self.mapped = false
    }

    /// Takes `count` bytes at `base`, from `malloc`: freed with the file (a decompressed input, kept where
    /// it was decoded rather than copied).
    public init(path: String, adoptingMalloced base: UnsafeMutableRawPointer, count: Int) {
        self.path = path
        self.bytes = UnsafeRawBufferPointer(start: base, count: count)
        self.mapped = false
        self.malloced = true
    }

    deinit {
        if let base = bytes.baseAddress {
            if mapped {
                munmap(UnsafeMutableRawPointer(mutating: base), bytes.count)
            } else if malloced {
                free(UnsafeMutableRawPointer(mutating: base))
            } else {
                UnsafeMutableRawPointer(mutating: base).deallocate()
            }
        }
    }

    public var count: Int { bytes.count }

    /// Whether the bytes are the file's mapping (not read from a pipe or copied).
    public var isMapped: Bool { mapped }

    public func cursor(order: ByteOrder = .little) -> ByteCursor {
        ByteCursor(bytes, origin: 0, order: order)
    }

    private static func readAll(fd: Int32, path: String, limit: Int = .max) throws(FileError) -> UnsafeRawBufferPointer
    {
        // 4 KB first, doubled as needed: a sysctl file (/proc/sys/kernel/random/boot_id, read every run)
        // makes the kernel allocate and zero a buffer of the size asked for, twice: 100 µs at 1 MB, 6 at 4 KB.
        var capacity = 1 << 12
        var buf = UnsafeMutableRawPointer.allocate(byteCount: capacity, alignment: 16)
        var used = 0
        while true {
            if used >= limit {
                buf.deallocate()
                throw FileError(path: path, message: "more than \(limit) bytes in a file that gave no size; not read")
            }
            if used == capacity {
                let bigger = UnsafeMutableRawPointer.allocate(byteCount: capacity * 2, alignment: 16)
                bigger.copyMemory(from: buf, byteCount: used)
                buf.deallocate()
                buf = bigger
                capacity *= 2
            }
            let n = read(fd, buf + used, capacity - used)
            if n < 0 {
                if errno == EINTR { continue }
                buf.deallocate()
                throw FileError(path: path, message: String(cString: strerror(errno)))
            }
            if n == 0 { break }
            used += n
        }
        return UnsafeRawBufferPointer(start: buf, count: used)
    }
}

/// Limits on files named by an input.
public enum FileLimits {
    /// Bytes read from a regular file whose size is not known until read (/proc/kallsyms is ~15 MB).
    public static let unsizedRead = 256 << 20

    /// The kind of a non-regular file, for messages.
    static func kind(_ mode: mode_t) -> String {
        switch mode & S_IFMT {
        case S_IFCHR: return "a character device"
        case S_IFBLK: return "a block device"
        case S_IFIFO: return "a FIFO"
        case S_IFDIR: return "a directory"
        case S_IFSOCK: return "a socket"
        default: return "mode 0o\(String(mode & S_IFMT, radix: 8))"
        }
    }
}

/// Asks the kernel to back a large array's storage with 2 MB pages where it can (transparent huge
/// pages in `madvise` mode, Linux's default): filling tens of MB otherwise takes a page fault per
/// 4 KB, a few microseconds each on a virtual machine. Only the whole 2 MB blocks inside the storage
/// are advised; memory never written is still never faulted in.
public func adviseHugePages<T>(_ a: inout [T]) {
    #if os(Linux)
    let bytes = a.capacity * MemoryLayout<T>.stride
    let huge = UInt(2 << 20)
    guard bytes >= 4 << 20 else { return }
    a.withUnsafeMutableBufferPointer { b in
        // The storage's address even when the array is still empty (its capacity reserved).
        guard let base = b.baseAddress else { return }
        let start = (UInt(bitPattern: base) + huge - 1) & ~(huge - 1)
        let end = (UInt(bitPattern: base) + UInt(bytes)) & ~(huge - 1)
        if end > start { _ = madvise(UnsafeMutableRawPointer(bitPattern: start), Int(end - start), MADV_HUGEPAGE) }
    }
    #endif
}
