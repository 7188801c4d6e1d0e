import CCompress
import CZstd

#if canImport(Glibc)
import Glibc
#endif

/// Whole-file compression of an input (`perf.data.gz`, `out.folded.zst`, `trace.xz`), told by its magic.
public enum InputCompression: String, Sendable {
    case gzip, zstd, xz

    public init?(magic b: UnsafeRawBufferPointer) {
        func starts(_ m: [UInt8]) -> Bool { b.count >= m.count && zip(b, m).allSatisfy { $0 == $1 } }
        if starts([0x1f, 0x8b]) { self = .gzip }
        else if starts([0x28, 0xb5, 0x2f, 0xfd]) { self = .zstd }
        else if starts([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00]) { self = .xz }
        else { return nil }
    }
}

/// How large a decompressed input may grow: the inputs' sizes come from whoever made the file, so a
/// few KB must not become gigabytes. At most `ratio` times the compressed size (never less than
/// `floor`), and never more than `cap`.
public struct DecompressionLimit: Sendable {
    public var cap = 4 << 30
    public var ratio = 1000
    public var floor = 64 << 20
    public init() {}

    public func bytes(forCompressed n: Int) -> Int {
        let (scaled, o) = n.multipliedReportingOverflow(by: ratio)
        return min(cap, max(floor, o ? .max : scaled))
    }
}

/// The bytes of an input file, decompressed when the whole file is gzip, zstd or xz; `-` reads
/// standard input. Errors name the path.
public func openInput(_ path: String, limit: DecompressionLimit = DecompressionLimit()) throws(FileError) -> MappedFile
{
    let file = try MappedFile(path: path)
    guard let kind = InputCompression(magic: file.bytes) else { return file }
    let name = path == "-" ? "<stdin>" : path
    let out = Output(limit: limit.bytes(forCompressed: file.count), path: name, kind: kind)
    defer { out.release() }
    switch kind {
    case .gzip: try gunzip(file.bytes, into: out)
    case .zstd: if try !unzstdFrame(file.bytes, into: out) { try unzstd(file.bytes, into: out) }
    case .xz: try unxz(file.bytes, into: out)
    }
    return out.file(path: path)
}

/// Decompressed bytes so far, in a buffer grown by doubling up to `limit`.
private final class Output {
    var base: UnsafeMutableRawPointer?
    var capacity = 0
    var count = 0
    let limit: Int
    let path: String
    let kind: InputCompression
    init(limit: Int, path: String, kind: InputCompression) {
        self.limit = limit
        self.path = path
        self.kind = kind
    }
    func release() { free(base) }

    var limitExceeded: FileError {
        FileError(
            path: path,
            message: "\(kind.rawValue) data decompresses to more than \(limit >> 20) MiB; decompress it yourself if it is real")
    }

    /// A buffer of exactly `n` bytes (n within the limit); false when malloc refuses it.
    func reserve(_ n: Int) -> Bool {
        guard let p = realloc(base, max(n, 1)) else { return false }
        base = p
        capacity = max(n, 1)
        return true
    }

    /// The bytes as a file, handed over (not copied): the output holds nothing after.
    func file(path: String) -> MappedFile {
        guard let p = base else { return MappedFile(path: path, copying: []) }
        base = nil
        return MappedFile(path: path, adoptingMalloced: p, count: count)
    }

    /// Lets `body` write into the free space (at least 1 MiB, or what the limit leaves) and counts
    /// what it says it wrote; fails once the limit is reached.
    func fill(_ body: (UnsafeMutableRawBufferPointer) throws(FileError) -> Int) throws(FileError) {
        guard count < limit else { throw limitExceeded }
        if capacity - count < 1 << 20 {
            let want = min(limit, max(capacity * 2, count + (1 << 20)))
            guard let p = realloc(base, want) else {
                throw FileError(path: path, message: "out of memory decompressing \(kind.rawValue) data")
            }
            base = p
            capacity = want
        }
        count += try body(UnsafeMutableRawBufferPointer(start: base! + count, count: capacity - count))
    }
}

private func gunzip(_ input: UnsafeRawBufferPointer, into out: Output) throws(FileError) {
    let path = out.path
    var s = z_stream()
    guard stackfold_inflate_init(&s) == Z_OK else { throw FileError(path: path, message: "zlib could not start") }
    defer { inflateEnd(&s) }
    s.next_in = UnsafeMutablePointer(mutating: input.baseAddress?.assumingMemoryBound(to: UInt8.self))
    s.avail_in = UInt32(clamping: input.count)
    var consumed = 0
    while true {
        var status = Z_OK
        try out.fill { (b: UnsafeMutableRawBufferPointer) throws(FileError) -> Int in
            s.next_out = b.baseAddress?.assumingMemoryBound(to: UInt8.self)
            s.avail_out = UInt32(clamping: b.count)
            let before = s.total_in
            status = inflate(&s, Z_NO_FLUSH)
            consumed += Int(s.total_in - before)
            return b.count - Int(s.avail_out)
        }
        if status == Z_STREAM_END {
            // gzip members may follow one another (cat a.gz b.gz): gzip -d reads them all.
            let left = input.count - consumed
            guard left > 0, InputCompression(magic: UnsafeRawBufferPointer(rebasing: input[consumed...])) == .gzip
            else { break }
            inflateReset(&s)
            s.next_in = UnsafeMutablePointer(
                mutating: input.baseAddress!.advanced(by: consumed).assumingMemoryBound(to: UInt8.self))
            s.avail_in = UInt32(clamping: left)
            continue
        }
        if s.avail_in == 0, input.count > consumed {
            // Inputs past 4 GiB: feed the next stretch.
            s.next_in = UnsafeMutablePointer(
                mutating: input.baseAddress!.advanced(by: consumed).assumingMemoryBound(to: UInt8.self))
            s.avail_in = UInt32(clamping: input.count - consumed)
            continue
        }
        if status == Z_BUF_ERROR { throw FileError(path: path, message: "gzip data cut short at offset \(consumed)") }
        if status != Z_OK {
            let why = s.msg.map { String(cString: $0) } ?? "error \(status)"
            throw FileError(path: path, message: "gzip data at offset \(consumed): \(why)")
        }
    }
}

/// A single zstd frame that says its size (what `zstd FILE` writes), decoded in one call straight into
/// a buffer of that size; false for any other input (several frames, no size, cut short), which is
/// streamed. Streaming decodes through zstd's window buffer into a buffer grown by doubling: the output
/// copied twice, about half of decompressing (48 M instructions of memcpy for a 36 MB capture).
private func unzstdFrame(_ input: UnsafeRawBufferPointer, into out: Output) throws(FileError) -> Bool {
    guard let src = input.baseAddress else { return false }
    let size = ZSTD_getFrameContentSize(src, input.count)
    // UInt64.max: size unknown; UInt64.max - 1: not a frame header.
    guard size < UInt64.max - 1, ZSTD_findFrameCompressedSize(src, input.count) == input.count else { return false }
    guard size <= UInt64(out.limit) else { throw out.limitExceeded }
    guard out.reserve(Int(size)) else { return false }
    let r = ZSTD_decompress(out.base, Int(size), src, input.count)
    if ZSTD_isError(r) != 0 {
        throw FileError(path: out.path, message: "zstd data: \(String(cString: ZSTD_getErrorName(r)))")
    }
    out.count = r
    return true
}

private func unzstd(_ input: UnsafeRawBufferPointer, into out: Output) throws(FileError) {
    let path = out.path
    guard let ctx = ZSTD_createDStream() else { throw FileError(path: path, message: "libzstd could not start") }
    defer { ZSTD_freeDStream(ctx) }
    var inBuf = ZSTD_inBuffer(src: input.baseAddress, size: input.count, pos: 0)
    var last: Int = 1
    while inBuf.pos < inBuf.size || last != 0 {
        var progressed = false
        try out.fill { (b: UnsafeMutableRawBufferPointer) throws(FileError) -> Int in
            var o = ZSTD_outBuffer(dst: b.baseAddress, size: b.count, pos: 0)
            let before = inBuf.pos
            let r = ZSTD_decompressStream(ctx, &o, &inBuf)
            if ZSTD_isError(r) != 0 {
                throw FileError(
                    path: path, message: "zstd data at offset \(inBuf.pos): \(String(cString: ZSTD_getErrorName(r)))")
            }
            last = r
            progressed = o.pos > 0 || inBuf.pos > before
            return o.pos
        }
        if !progressed {
            throw FileError(path: path, message: "zstd data cut short at offset \(inBuf.pos)")
        }
    }
}

private func unxz(_ input: UnsafeRawBufferPointer, into out: Output) throws(FileError) {
    let path = out.path
    var s = lzma_stream()
    guard stackfold_xz_init(&s) == LZMA_OK else { throw FileError(path: path, message: "liblzma could not start") }
    defer { lzma_end(&s) }
    s.next_in = input.baseAddress?.assumingMemoryBound(to: UInt8.self)
    s.avail_in = input.count
    while true {
        var status = LZMA_OK
        try out.fill { (b: UnsafeMutableRawBufferPointer) throws(FileError) -> Int in
            s.next_out = b.baseAddress?.assumingMemoryBound(to: UInt8.self)
            s.avail_out = b.count
            // With LZMA_CONCATENATED, the end of the input is told by LZMA_FINISH.
            status = lzma_code(&s, s.avail_in == 0 ? LZMA_FINISH : LZMA_RUN)
            return b.count - s.avail_out
        }
        if status == LZMA_STREAM_END { break }
        if status != LZMA_OK {
            let why =
                status == LZMA_BUF_ERROR
                ? "cut short"
                : status == LZMA_DATA_ERROR || status == LZMA_FORMAT_ERROR ? "corrupt" : "error \(status.rawValue)"
            throw FileError(path: path, message: "xz data at offset \(input.count - s.avail_in): \(why)")
        }
    }
}
