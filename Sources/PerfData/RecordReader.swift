import BinaryIO

/// One record, undecoded: its header and a cursor over its body (the bytes after the 8-byte header).
public struct RawRecord {
    public var type: RecordType
    public var misc: UInt16
    /// Total size including the header.
    public var size: Int
    /// File offset of the record; for records inside a compressed chunk, the offset of that chunk's record.
    public var offset: Int
    /// True for records decoded from a COMPRESSED chunk.
    public var fromCompressed: Bool
    public var body: ByteCursor

    @inlinable public var cpuMode: CPUMode { CPUMode(rawValue: misc & 7) }

    @inlinable
    init(type: RecordType, misc: UInt16, size: Int, offset: Int, fromCompressed: Bool, body: ByteCursor) {
        (self.type, self.misc, self.size, self.offset) = (type, misc, size, offset)
        (self.fromCompressed, self.body) = (fromCompressed, body)
    }
}

/// Reads records one after another in file order, expanding COMPRESSED chunks in place.
///
/// A record cut short at the end of the data yields a warning on the file and ends the stream;
/// a size that cannot be right (below 8 bytes) is an error naming its offset.
public struct RecordReader: IteratorProtocol, Sequence {
    let file: PerfFile
    @usableFromInline var cursor: ByteCursor
    let decompress: Bool
    var zstd: ZstdStream?
    /// Decompressed bytes not yet consumed (a record may continue in the next chunk).
    var pending: [UInt8] = []
    var pendingPos = 0
    var pendingOffset = 0
    /// Decompressed buffers handed out as record bodies; kept alive as long as the reader.
    var keep: [MappedFile] = []
    var current: MappedFile?
    var currentCursor: ByteCursor?
    /// Per buffer in `keep`: where it starts and the offset of the COMPRESSED record it came from.
    @usableFromInline var chunks: [(base: UnsafeRawPointer?, offset: Int)] = []
    /// Where the file's bytes start (record offsets are counted from it; nil only for no bytes, hence
    /// no records).
    @usableFromInline let fileBase: UnsafeRawPointer?
    public private(set) var error: PerfDataError?
    var finished = false
    /// Faults the data section in on another thread, ahead of this reader (nil for small or unmapped
    /// files); readers that know what they are done with release it (`OrderedRecords`).
    @usableFromInline let warmer: PageWarmer?

    init(file: PerfFile, decompress: Bool) {
        self.file = file
        self.decompress = decompress
        self.fileBase = file.file.bytes.baseAddress
        let r = file.dataRange
        self.warmer = PageWarmer(file.file, range: r)
        self.cursor =
            (try? file.file.cursor(order: file.order).slice(r, "data section"))
            ?? ByteCursor(UnsafeRawBufferPointer(start: nil, count: 0))
    }

    /// The next record, or nil at the end. Errors stop the stream: call `next()` via `nextRecord()` to see them.
    public mutating func next() -> RawRecord? {
        do { return try nextRecord() } catch {
            self.error = error
            return nil
        }
    }

    public mutating func nextRecord() throws(PerfDataError) -> RawRecord? {
        if let rec = nextPlain() { return rec }
        return try nextRecordChecked()
    }

    /// The next record of the file's own data when it needs nothing but its header: whole, at least 8
    /// bytes, and not one that carries a payload after it or compressed records. Anything else (and every
    /// problem) is left to `nextRecordChecked`, which reads it again and reports it.
    @inline(__always)
    mutating func nextPlain() -> RawRecord? {
        guard let (p, _, _) = nextPlainStart() else { return nil }
        return record(at: p, chunk: -1)
    }

    /// As `nextPlain`, without building the record: where it starts, its type and size (the reader has
    /// moved past it; `record(at:chunk:)` builds it).
    @inline(__always)
    mutating func nextPlainStart() -> (UnsafeRawPointer, RecordType, Int)? {
        guard _fastPath(!finished && currentCursor == nil) else { return nil }
        let left = cursor.remaining
        guard left >= 8 else { return nil }
        let p = cursor.rest.baseAddress.unsafelyUnwrapped
        let (type, _, size) = header(p)
        guard size >= 8, size <= left else { return nil }
        switch type {
        case .headerTracingData, .auxtrace, .compressed, .compressed2: return nil
        default: break
        }
        cursor.position &+= size
        return (p, type, size)
    }

    /// Type, misc and size of the record header at `p`.
    @inlinable
    func header(_ p: UnsafeRawPointer) -> (RecordType, UInt16, Int) { Self.header(p, swaps: cursor.swapsBytes) }

    @inlinable
    static func header(_ p: UnsafeRawPointer, swaps: Bool) -> (RecordType, UInt16, Int) {
        let rawType = p.loadUnaligned(as: UInt32.self)
        let rawMisc = p.loadUnaligned(fromByteOffset: 4, as: UInt16.self)
        let rawSize = p.loadUnaligned(fromByteOffset: 6, as: UInt16.self)
        return (
            RecordType(rawValue: swaps ? rawType.byteSwapped : rawType), swaps ? rawMisc.byteSwapped : rawMisc,
            Int(swaps ? rawSize.byteSwapped : rawSize)
        )
    }

    /// The record this reader returned from `p`: `chunk` -1 for one of the file's own data, else the index
    /// in `chunks` of the COMPRESSED chunk that held it. Offsets are those the reader gave it: the file
    /// offset, or for a record of a chunk the chunk's offset, its body's origin counted in the chunk.
    @inlinable
    func record(at p: UnsafeRawPointer, chunk: Int) -> RawRecord {
        if chunk < 0 { return Self.record(at: p, offset: p - fileBase.unsafelyUnwrapped, chunk: nil, order: cursor.order) }
        // A record of the chunk lies in its bytes, so they have a start.
        let c = chunks[chunk]
        return Self.record(at: p, offset: c.offset, chunk: c.base.unsafelyUnwrapped, order: cursor.order)
    }

    /// The record at `p`: of the file's own data at file offset `offset` (`chunk` nil), or of the
    /// COMPRESSED chunk whose bytes start at `chunk` and whose record is at `offset`. Static, so that
    /// inlined callers do not copy the reader to call it.
    @inlinable
    static func record(at p: UnsafeRawPointer, offset: Int, chunk: UnsafeRawPointer?, order: ByteOrder) -> RawRecord {
        let (type, misc, size) = header(p, swaps: order != .host)
        let origin = chunk.map { (p + 8) - $0 } ?? offset &+ 8
        let body = ByteCursor(UnsafeRawBufferPointer(start: p + 8, count: size &- 8), origin: origin, order: order)
        return RawRecord(type: type, misc: misc, size: size, offset: offset, fromCompressed: chunk != nil, body: body)
    }

    /// Where `rec`, returned by this reader, starts, and its chunk (see `record(at:chunk:)`); nil only for
    /// a record with no bytes behind it, which a reader never returns.
    func start(of rec: RawRecord) -> (UnsafeRawPointer, Int)? {
        guard let b = rec.body.rest.baseAddress, rec.body.position == 0 else { return nil }
        return (b - 8, rec.fromCompressed ? chunks.count &- 1 : -1)
    }

    mutating func nextRecordChecked() throws(PerfDataError) -> RawRecord? {
        if finished { return nil }
        // Records decoded from a compressed chunk come first.
        if var cc = currentCursor {
            if cc.remaining >= 8 {
                do {
                    if let rec = try Self.readOne(&cc, path: file.path, origin: pendingOffset, compressed: true) {
                        currentCursor = cc
                        return rec
                    }
                } catch { throw error }
            }
            // Keep the partial tail for the next chunk.
            let tail = cc.rest
            pending = Array(tail)
            currentCursor = nil
        }
        do {
            guard cursor.remaining > 0 else {
                finished = true
                if !pending.isEmpty {
                    file.warn(
                        "\(file.path): \(pending.count) bytes of an incomplete record left at the end of the compressed data"
                    )
                }
                return nil
            }
            guard cursor.remaining >= 8 else {
                file.warn(
                    "\(file.path): truncated: \(cursor.remaining) bytes at offset \(cursor.offset) are too few for a record header; stopped there"
                )
                finished = true
                return nil
            }
            let start = cursor.position
            let type = RecordType(rawValue: try cursor.u32("record type"))
            let misc = try cursor.u16("record misc")
            let size = Int(try cursor.u16("record size"))
            if size < 8 {
                finished = true
                throw PerfDataError(
                    path: file.path, offset: cursor.origin + start,
                    message: "record of type \(type) has size \(size): expected at least 8 bytes (the header)")
            }
            if size - 8 > cursor.remaining {
                file.warn(
                    "\(file.path): truncated: record \(type) at offset \(cursor.origin + start) claims \(size) bytes, only \(cursor.remaining + 8) left; every complete record before it was read"
                )
                finished = true
                return nil
            }
            let body = try cursor.sub(size - 8, "record \(type) body")
            var rec = RawRecord(
                type: type, misc: misc, size: size, offset: cursor.origin + start, fromCompressed: false, body: body)
            try skipTrailingPayload(&rec)
            if decompress && (type == .compressed || type == .compressed2) {
                try expand(rec)
            }
            return rec
        } catch let e as ReadError {
            finished = true
            throw PerfDataError(path: file.path, e)
        } catch let e as PerfDataError {
            throw e
        } catch {
            finished = true
            throw PerfDataError(path: file.path, offset: cursor.offset, message: "\(error)")
        }
    }

    static func readOne(_ c: inout ByteCursor, path: String, origin: Int, compressed: Bool) throws(PerfDataError)
        -> RawRecord?
    {
        let start = c.position
        do {
            let type = RecordType(rawValue: try c.u32("record type"))
            let misc = try c.u16("record misc")
            let size = Int(try c.u16("record size"))
            if size < 8 {
                throw PerfDataError(
                    path: path, offset: origin,
                    message:
                        "record of type \(type) inside compressed data at decoded position \(start) has size \(size): expected at least 8"
                )
            }
            if size - 8 > c.remaining {
                c.position = start
                return nil
            }
            let body = try c.sub(size - 8, "record body")
            return RawRecord(type: type, misc: misc, size: size, offset: origin, fromCompressed: compressed, body: body)
        } catch let e as ReadError {
            throw PerfDataError(path: path, e)
        } catch let e as PerfDataError {
            throw e
        } catch {
            throw PerfDataError(path: path, offset: origin, message: "\(error)")
        }
    }

    /// AUXTRACE and pipe-mode TRACING_DATA carry payload after the record, outside its size.
    mutating func skipTrailingPayload(_ rec: inout RawRecord) throws(ReadError) {
        switch rec.type {
        case .auxtrace:
            let size = try rec.body.peekU64(at: 0, "AUXTRACE size")
            guard size <= UInt64(cursor.remaining) else {
                throw ReadError(
                    .truncated(needed: Int(clamping: size), available: cursor.remaining), offset: cursor.offset,
                    what: "AUXTRACE payload")
            }
            try cursor.skip(Int(size), "AUXTRACE payload")
        case .headerTracingData where file.isPipe:
            let size = UInt64(try rec.body.peekU32(at: 0, "TRACING_DATA size"))
            let padded = (size + 7) & ~7
            guard padded <= UInt64(cursor.remaining) else {
                throw ReadError(
                    .truncated(needed: Int(padded), available: cursor.remaining), offset: cursor.offset,
                    what: "TRACING_DATA payload")
            }
            try cursor.skip(Int(padded), "TRACING_DATA payload")
        default:
            break
        }
    }

    mutating func expand(_ rec: RawRecord) throws(PerfDataError) {
        var c = rec.body
        do throws(ReadError) {
            if rec.type == .compressed2 {
                let dataSize = try c.u64("COMPRESSED2 data_size")
                guard dataSize <= UInt64(c.remaining) else {
                    throw c.error(
                        "COMPRESSED2 data_size", "\(dataSize) bytes do not fit in the \(c.remaining)-byte record")
                }
                c = try c.sub(Int(dataSize), "COMPRESSED2 data")
            }
        } catch {
            throw PerfDataError(path: file.path, error)
        }
        if zstd == nil { zstd = ZstdStream() }
        guard let zstd else {
            throw PerfDataError(path: file.path, offset: rec.offset, message: "cannot create a zstd decoder")
        }
        var out = pending
        pending = []
        if let msg = zstd.decompress(c.rest, into: &out) {
            throw PerfDataError(path: file.path, offset: rec.offset, message: "compressed record: zstd: \(msg)")
        }
        let buf = MappedFile(path: file.path, copying: out)
        keep.append(buf)
        chunks.append((buf.bytes.baseAddress, rec.offset))
        pendingOffset = rec.offset
        currentCursor = buf.cursor(order: file.order)
    }
}
