#if canImport(Glibc)
import BinaryIO
import Glibc
#endif

/// A problem with a perf.data file, naming the file, the offset and what was expected there.
public struct PerfDataError: Error, CustomStringConvertible, Sendable {
    public var path: String
    public var offset: Int
    public var message: String

    public init(path: String, offset: Int, message: String) {
        self.path = path
        self.offset = offset
        self.message = message
    }

    public init(path: String, _ e: ReadError) {
        self.path = path
        self.offset = e.offset
        switch e.kind {
        case let .truncated(needed, available):
            message = "reading \(e.what): needed \(needed) bytes, only \(available) left"
        case let .invalid(m):
            message = "reading \(e.what): \(m)"
        }
    }

    public var description: String { "\(path): offset \(offset) (0x\(String(offset, radix: 16))): \(message)" }
}

/// `{offset, size}` of a part of the file.
public struct FileSection: Sendable, Equatable {
    public var offset: UInt64
    public var size: UInt64
}

/// A perf.data capture, file mode or pipe mode. Headers are parsed at open; records on demand.
public final class PerfFile: @unchecked Sendable {
    public static let magic: UInt64 = 0x3245_4c49_4652_4550  // "PERFILE2"
    /// The first format's magic, "PERFFILE" as bytes (its byte order is told by attr_size instead).
    public static let legacyMagic: UInt64 = 0x454c_4946_4652_4550

    /// Whether a file starts as perf.data does (either version, either byte order).
    public static func hasMagic(_ bytes: UnsafeRawBufferPointer) -> Bool {
        guard bytes.count >= 8 else { return false }
        let m = UInt64(littleEndian: bytes.loadUnaligned(as: UInt64.self))
        return m == legacyMagic || m == magic || m == magic.byteSwapped
    }

    public let path: String
    public let file: MappedFile
    public let order: ByteOrder
    public let isPipe: Bool
    /// The first format (magic "PERFFILE"), which perf 6.1 still reads.
    public let isLegacy: Bool
    /// File mode: the header's sections. Pipe mode: data is everything after the 16-byte header.
    public let headerSize: UInt64
    public let attrSection: FileSection
    public let dataSection: FileSection
    public let featureBits: [FeatureID]
    // Read for every record (eventIndex, timestamp), so without a dynamic exclusivity check (it cost 4 %
    // of folding a capture). Written only while the file is opened.
    /// Events (attrs with their ids and names). In pipe mode, filled from HEADER_ATTR records at open.
    @exclusivity(unchecked) public private(set) var events: [EventDesc] = []
    public private(set) var features = Features()
    /// Non-fatal findings: truncation, unknown records, inconsistencies.
    public private(set) var warnings: [String] = []
    @exclusivity(unchecked) var idToEvent: [UInt64: Int] = [:]

    public convenience init(path: String) throws(PerfDataError) {
        let f: MappedFile
        do { f = try MappedFile(path: path) } catch {
            throw PerfDataError(path: path, offset: 0, message: error.message)
        }
        try self.init(file: f)
    }

    public init(file: MappedFile) throws(PerfDataError) {
        self.file = file
        self.path = file.path == "-" ? "<stdin>" : file.path
        let path = self.path
        var c = file.cursor()
        do throws(ReadError) {
            let m = try c.u64("header magic")
            if m == PerfFile.magic {
                order = .host
            } else if m.byteSwapped == PerfFile.magic {
                order = ByteOrder.host == .little ? .big : .little
            } else if m == PerfFile.legacyMagic {
                order = try Self.legacyOrder(file)
            } else {
                throw ReadError(.invalid("not a perf.data file: expected \"PERFILE2\", found \(describeMagic(m))"),
                                offset: 0, what: "header magic")
            }
            isLegacy = m == PerfFile.legacyMagic
            c.setOrder(order)
            headerSize = try c.u64("header size")
            if headerSize == 16 {
                isPipe = true
                attrSection = FileSection(offset: 0, size: 0)
                dataSection = FileSection(offset: 16, size: UInt64(file.count) - min(16, UInt64(file.count)))
                featureBits = []
            } else {
                // 72: the header before the feature bitmap (perf reads it as "the previous format", with no
                // features), in either version.
                guard headerSize >= 104 || headerSize == 72 else {
                    throw ReadError(
                        .invalid(
                            "header size \(headerSize): expected 104 (file mode), 72 (older file mode) or 16 (pipe mode)"
                        ),
                        offset: 8, what: "header size")
                }
                isPipe = false
                let attrSize = try c.u64("header attr_size")
                attrSection = FileSection(
                    offset: try c.u64("header attrs.offset"), size: try c.u64("header attrs.size"))
                dataSection = FileSection(offset: try c.u64("header data.offset"), size: try c.u64("header data.size"))
                _ = try c.u64("header event_types.offset")
                _ = try c.u64("header event_types.size")
                var bits: [FeatureID] = []
                for word in 0..<(headerSize == 72 ? 0 : 4) {
                    let w = try c.u64("header feature bitmap")
                    for b in 0..<64 where w & (1 << UInt64(b)) != 0 { bits.append(FeatureID(rawValue: word * 64 + b)) }
                }
                featureBits = bits
                try parseAttrs(attrSize: attrSize)
            }
        } catch {
            throw PerfDataError(path: path, error)
        }
        if isPipe {
            try scanPipeHeaders()
        } else {
            try parseFeatures()
            checkDataSection()
        }
        for i in events.indices where events[i].name.isEmpty {
            events[i].name = EventNames.name(for: events[i].attr)
        }
    }

    /// A "PERFFILE" header's byte order: the one in which attr_size is one of perf_event_attr's sizes up to
    /// ABI 4 plus its ids section (perf's try_all_file_abis), as the magic is the same bytes in both.
    static func legacyOrder(_ file: MappedFile) throws(ReadError) -> ByteOrder {
        var c = file.cursor(order: .host)
        try c.skip(16, "header magic and size")
        let attrSize = try c.u64("header attr_size")
        let sizes: [UInt64] = [64, 72, 80, 96, 104].map { $0 + 16 }
        if sizes.contains(attrSize) { return .host }
        if sizes.contains(attrSize.byteSwapped) { return ByteOrder.host == .little ? .big : .little }
        throw ReadError(
            .invalid(
                "legacy \"PERFFILE\" header with attr_size \(attrSize): none of perf_event_attr's ABI 0-4 sizes plus 16, so its byte order is unknown"
            ),
            offset: 16, what: "header attr_size")
    }

    // MARK: attrs

    private func parseAttrs(attrSize: UInt64) throws(ReadError) {
        guard attrSection.size > 0 else { return }
        guard attrSize >= 64 + 16 else {
            throw ReadError(.invalid("attr_size \(attrSize) is smaller than a perf_event_attr plus its ids section"),
                            offset: 16, what: "header attr_size")
        }
        guard attrSize <= UInt64(file.count) else {
            throw ReadError(
                .invalid("attr_size \(attrSize) is larger than the file"), offset: 16, what: "header attr_size")
        }
        guard attrSection.size % attrSize == 0 else {
            throw ReadError(
                .invalid("attrs section size \(attrSection.size) is not a multiple of attr_size \(attrSize)"),
                offset: 24, what: "header attrs.size")
        }
        let base = file.cursor(order: order)
        var c = try base.slice(try range(attrSection, "attrs section"), "attrs section")
        let n = Int(attrSection.size / attrSize)
        // perf writes each attr's ids once: all of them fit in the file. Sections that overlap (6,000
        // attrs pointing at the same 100,000 ids) would read the same bytes into memory again and again.
        var idBudget = UInt64(file.count / 8)
        for i in 0..<n {
            let slotStart = c.position
            let attr = try EventAttr.parse(&c, available: Int(attrSize) - 16, what: "attr[\(i)]")
            c.position = slotStart + Int(attrSize) - 16
            let ids = FileSection(offset: try c.u64("attr[\(i)].ids.offset"), size: try c.u64("attr[\(i)].ids.size"))
            guard ids.size / 8 <= idBudget else {
                throw ReadError(
                    .invalid(
                        "\(ids.size / 8) more ids than the file holds (\(file.count / 8)): attrs' ids sections overlap"),
                    offset: attrSection.offset == 0
                        ? 0 : Int(clamping: attrSection.offset) + (i + 1) * Int(attrSize) - 16,
                    what: "attr[\(i)] ids.size")
            }
            idBudget -= ids.size / 8
            var idc = try base.slice(try range(ids, "attr[\(i)] ids"), "attr[\(i)] ids")
            var list: [UInt64] = []
            while idc.remaining >= 8 { list.append(try idc.u64("attr[\(i)] id")) }
            addEvent(EventDesc(attr: attr, ids: list, name: ""))
        }
    }

    func addEvent(_ e: EventDesc) {
        events.append(e)
        for id in e.ids where idToEvent[id] == nil { idToEvent[id] = events.count - 1 }
    }

    private func range(_ s: FileSection, _ what: String) throws(ReadError) -> Range<Int> {
        let (end, overflow) = s.offset.addingReportingOverflow(s.size)
        guard !overflow, end <= UInt64(file.count) else {
            throw ReadError(
                .invalid("\(what) [\(s.offset), +\(s.size)) runs past the end of the file (\(file.count) bytes)"),
                offset: Int(clamping: s.offset), what: what)
        }
        return Int(s.offset)..<Int(end)
    }

    // MARK: features

    private func parseFeatures() throws(PerfDataError) {
        guard !featureBits.isEmpty else { return }
        let tableOffset = dataSection.offset &+ dataSection.size
        if dataSection.size == 0 {
            warnings.append(
                "header says data size 0 with features set: perf record was killed before it finished writing; reading records to the end of the file and no feature sections"
            )
            return
        }
        guard tableOffset <= UInt64(file.count) else { return }  // Reported by checkDataSection.
        let base = file.cursor(order: order)
        var table: ByteCursor
        do {
            table = try base.slice(Int(tableOffset)..<file.count, "feature table")
        } catch {
            warnings.append(PerfDataError(path: path, error).description)
            return
        }
        for bit in featureBits {
            do {
                let sec = FileSection(
                    offset: try table.u64("feature \(bit) offset"), size: try table.u64("feature \(bit) size"))
                var c = try base.slice(try range(sec, "feature \(bit) section"), "feature \(bit)")
                try features.decode(bit, &c, file: self)
            } catch {
                warnings.append("feature \(bit.name): " + PerfDataError(path: path, error).description)
            }
        }
    }

    private func checkDataSection() {
        let end = dataSection.offset &+ dataSection.size
        if dataSection.offset > UInt64(file.count) {
            warnings.append(
                "\(path): data section starts at \(dataSection.offset), past the end of the file (\(file.count) bytes)")
        } else if end > UInt64(file.count) {
            warnings.append(
                "\(path): truncated: data section should end at \(end) but the file has \(file.count) bytes; reading every complete record"
            )
        }
    }

    /// The data bytes to read records from: up to EOF when the header's size is 0 or too large.
    var dataRange: Range<Int> {
        let start = Int(min(dataSection.offset, UInt64(file.count)))
        if isPipe || dataSection.size == 0 { return start..<file.count }
        let end = min(dataSection.offset &+ dataSection.size, UInt64(file.count))
        return start..<max(start, Int(end))
    }

    // MARK: pipe mode

    /// Pipe mode carries attrs and features as records: read them before the caller's first sample.
    private func scanPipeHeaders() throws(PerfDataError) {
        var reader = RecordReader(file: self, decompress: false)
        while true {
            let rec: RawRecord?
            do { rec = try reader.nextRecord() } catch { break }  // The record pass reports it.
            guard let rec else { break }
            do {
                try absorbHeaderRecord(rec)
            } catch {
                warnings.append(PerfDataError(path: path, error).description)
            }
        }
    }

    func absorbHeaderRecord(_ rec: RawRecord) throws(ReadError) {
        var c = rec.body
        switch rec.type {
        case .headerAttr:
            let attr = try EventAttr.parse(&c, available: c.remaining, what: "HEADER_ATTR")
            var ids: [UInt64] = []
            while c.remaining >= 8 { ids.append(try c.u64("HEADER_ATTR id")) }
            addEvent(EventDesc(attr: attr, ids: ids, name: ""))
        case .headerBuildID:
            // A build_id_event without its own header: pid, build_id[24], filename.
            let pid = try c.i32("HEADER_BUILD_ID pid")
            let raw = try c.bytes(24, "HEADER_BUILD_ID build_id")
            let n = rec.misc & (1 << 15) != 0 ? min(Int(raw[20]), 20) : 20
            let hex = raw[0..<n].map { String(format2: $0) }.joined()
            let name = try c.paddedString(c.remaining, "HEADER_BUILD_ID filename")
            features.buildIDs.append(
                BuildIDEntry(pid: pid, cpuMode: CPUMode(rawValue: rec.misc & 7), buildID: hex, filename: name))
        case .headerFeature:
            let id = FeatureID(rawValue: Int(truncatingIfNeeded: try c.u64("HEADER_FEATURE id")))
            try features.decode(id, &c, file: self)
        case .eventUpdate:
            // u64 type, u64 id, payload; PERF_EVENT_UPDATE__NAME = 2.
            let kind = try c.u64("EVENT_UPDATE type")
            let id = try c.u64("EVENT_UPDATE id")
            if kind == 2, let idx = idToEvent[id] {
                events[idx].name = try c.paddedString(c.remaining, "EVENT_UPDATE name")
            }
        default:
            break
        }
    }

    func applyEventDesc(_ list: [(attr: EventAttr, name: String, ids: [UInt64])]) {
        for d in list {
            if let first = d.ids.first, let i = idToEvent[first] {
                events[i].name = d.name
            } else if let i = events.firstIndex(where: { $0.attr == d.attr && $0.name.isEmpty }) {
                events[i].name = d.name
            }
        }
        if events.count == 1, list.count == 1 { events[0].name = list[0].name }
    }

    // MARK: records

    /// Records in file order (compressed ones expanded in place).
    public func records() -> RecordReader { RecordReader(file: self, decompress: true) }

    /// The event a record belongs to, from its sample id (`evlist__event2evsel`).
    @inlinable
    public func eventIndex(of rec: RawRecord) -> Int {
        // One event (most captures): no call per record.
        events.count <= 1 ? 0 : eventIndex(type: rec.type, body: rec.body)
    }

    @usableFromInline
    func eventIndex(type: RecordType, body: ByteCursor) -> Int {
        if events.count <= 1 { return 0 }
        let l = events[0].layout
        let id: UInt64?
        if type == .sample {
            id = l.idPosition >= 0 ? try? body.peekU64(at: l.idPosition * 8) : nil
        } else if l.sampleIDAll, l.idPositionFromEnd > 0, body.count >= l.idPositionFromEnd * 8 {
            id = try? body.peekU64(at: body.count - l.idPositionFromEnd * 8)
        } else {
            id = nil
        }
        // Synthesized records carry an all-zero trailer: id 0 means the first event.
        guard let id, id != 0 else { return 0 }
        return idToEvent[id] ?? 0
    }

    /// Decodes a SAMPLE record. Inlined, so that the caller's variable is the one filled in place.
    @inline(__always) @inlinable
    public func sample(_ rec: RawRecord) throws(PerfDataError) -> Sample {
        var s = Sample()
        try sample(rec, into: &s)
        return s
    }

    /// As `sample(_:)`, into `s` (all of it rewritten in place, field by field: `Sample.reset`).
    @inlinable
    public func sample(_ rec: RawRecord, into s: inout Sample) throws(PerfDataError) {
        guard !events.isEmpty else {
            throw PerfDataError(
                path: path, offset: rec.offset, message: "sample record before any event attribute: cannot decode it")
        }
        let idx = eventIndex(of: rec)
        s.reset(eventIndex: idx, misc: rec.misc)
        var c = rec.body
        if _fastPath(s.decodeFast(&c, events[idx].layout)) { return }
        try decodeSample(rec, index: idx, into: &s)
    }

    /// Every field after its own bounds check, so that errors name the field.
    @usableFromInline
    func decodeSample(_ rec: RawRecord, index idx: Int, into s: inout Sample) throws(PerfDataError) {
        var c = rec.body
        do {
            s = try Sample.decode(&c, layout: events[idx].layout, eventIndex: idx, misc: rec.misc)
        } catch {
            throw PerfDataError(path: path, error)
        }
    }

    /// The `sample_id_all` fields of a non-sample kernel record (time, cpu, ...).
    @inlinable
    public func sampleID(_ rec: RawRecord) -> SampleID {
        guard rec.type.isKernelRecord, rec.type != .sample, !events.isEmpty else { return SampleID() }
        let idx = eventIndex(of: rec)
        return (try? SampleID.decodeTrailer(rec.body, layout: events[idx].layout)) ?? SampleID()
    }

    /// Time of any record as perf orders it: the sample time, the trailer time, or nil (delivered at once).
    @inlinable
    public func timestamp(_ rec: RawRecord) -> UInt64? {
        guard rec.type.isKernelRecord, !events.isEmpty else { return nil }
        let idx = eventIndex(of: rec)
        let l = events[idx].layout
        guard l.type.contains(.time) else { return nil }
        let t: UInt64
        if rec.type == .sample {
            guard let v = try? rec.body.peekU64(at: l.head.time) else { return nil }
            t = v
        } else {
            let id = sampleID(rec)
            guard id.hasTime else { return nil }
            t = id.time
        }
        return t == 0 || t == UInt64.max ? nil : t
    }

    func warn(_ s: String) { warnings.append(s) }
}

func describeMagic(_ m: UInt64) -> String {
    var bytes: [UInt8] = []
    var v = m.littleEndian
    withUnsafeBytes(of: &v) { bytes.append(contentsOf: $0) }
    let printable = bytes.allSatisfy { $0 >= 0x20 && $0 < 0x7f }
    return printable
        ? "\"" + String(decoding: bytes, as: UTF8.self) + "\""
        : bytes.map { String(format2: $0) }.joined(separator: " ")
}

extension String {
    init(format2 b: UInt8) {
        let s = String(b, radix: 16)
        self = s.count == 1 ? "0" + s : s
    }
}
