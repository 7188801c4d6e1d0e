import BinaryIO

/// What a pass over the records could not read or does not use, so that it is said rather than dropped
/// silently (issue 18): records the process model reads (COMM, FORK, MMAP, MMAP2) whose body is
/// malformed, and AUX area trace data (Intel PT, BTS, CoreSight…), which only `perf script --itrace` decodes.
public struct RecordNotes: Sendable {
    /// All malformed records (read per sample by the fold: a stored count, not a sum).
    public private(set) var malformedCount = 0
    /// The rest, rarely written, out of line (an array of none or one, copy-on-write): the fold copies the
    /// `ProcessModel` holding this for every sample, and under 128 bytes the copy is moves, not a `memcpy`.
    private var rare: [Rare] = []

    struct Rare: Sendable {
        var malformed: [RecordType: Int] = [:]
        var firstMalformed: (type: RecordType, offset: Int, message: String)?
        var auxtraceBytes: UInt64 = 0
        var auxtraceRecords = 0
        var auxRecords = 0
        var auxtraceType: UInt32?
    }

    /// Malformed records by type; the first one's type, offset (of the record, or of the compressed chunk
    /// holding it) and why.
    public var malformed: [RecordType: Int] { rare.first?.malformed ?? [:] }
    public var firstMalformed: (type: RecordType, offset: Int, message: String)? { rare.first?.firstMalformed }
    /// AUXTRACE payload bytes (saturating) and records; AUX records (the kernel's "trace data written").
    public var auxtraceBytes: UInt64 { rare.first?.auxtraceBytes ?? 0 }
    public var auxtraceRecords: Int { rare.first?.auxtraceRecords ?? 0 }
    public var auxRecords: Int { rare.first?.auxRecords ?? 0 }
    /// PERF_RECORD_AUXTRACE_INFO's type (`enum auxtrace_type`), when the capture has one.
    public var auxtraceType: UInt32? { rare.first?.auxtraceType }

    public init() {}

    private mutating func editRare(_ edit: (inout Rare) -> Void) {
        if rare.isEmpty { rare.append(Rare()) }
        edit(&rare[0])
    }

    public mutating func noteMalformed(_ rec: RawRecord, _ error: PerfDataError) {
        malformedCount &+= 1
        editRare { r in
            r.malformed[rec.type, default: 0] &+= 1
            if r.firstMalformed == nil { r.firstMalformed = (rec.type, rec.offset, error.message) }
        }
    }

    /// Tallies AUX area records; other records are not looked at.
    public mutating func observe(_ rec: RawRecord) {
        switch rec.type {
        case .aux:
            editRare { $0.auxRecords &+= 1 }
        case .auxtrace:
            let bytes = (try? rec.body.peekU64(at: 0)) ?? 0
            editRare { r in
                r.auxtraceRecords &+= 1
                let (sum, overflow) = r.auxtraceBytes.addingReportingOverflow(bytes)
                r.auxtraceBytes = overflow ? .max : sum
            }
        case .auxtraceInfo:
            if auxtraceType == nil {
                let type = try? rec.body.peekU32(at: 0)
                editRare { $0.auxtraceType = type }
            }
        default:
            break
        }
    }

    /// perf's name of an AUX area trace type (`enum auxtrace_type`, tools/perf/util/auxtrace.h).
    public static func auxtraceName(_ type: UInt32) -> String {
        switch type {
        case 1: return "intel_pt"
        case 2: return "intel_bts"
        case 3: return "cs_etm"
        case 4: return "arm_spe"
        case 5: return "s390_cpumsf"
        case 6: return "hisi_ptt"
        default: return "type \(type)"
        }
    }

    /// `MMAP2 ×2, COMM ×1`, in type order.
    public var malformedList: String {
        malformed.sorted { $0.key < $1.key }.map { "\($0.key.name) ×\($0.value)" }.joined(separator: ", ")
    }

    /// One warning for malformed records (nil without any): how many of each type, where the first is and
    /// why; `affected`, when known: samples after it with unnamed frames, of all samples after it.
    public func malformedWarning(path: String, affected: (unknown: Int, of: Int)? = nil) -> String? {
        guard let first = firstMalformed else { return nil }
        let n = malformedCount
        var s =
            "\(path): \(n) malformed record\(n == 1 ? "" : "s") skipped (\(malformedList)); the first, \(first.type.name) at offset \(first.offset) (0x\(String(first.offset, radix: 16))): \(first.message)"
        switch first.type {
        case .mmap, .mmap2:
            s += "; frames in the mapping\(n == 1 ? "" : "s") it described show as [unknown]"
        case .comm:
            s += "; its thread keeps its previous name"
        default:
            s += "; threads it described may be named :TID and miss their process's maps"
        }
        if let a = affected { s += " (\(a.unknown) of the \(a.of) samples after it have [unknown] frames)" }
        return s + "; the capture is damaged: record it again or copy it whole"
    }

    /// One warning for AUX area trace data (nil without any).
    public var auxWarning: String? {
        guard auxtraceRecords > 0 || auxRecords > 0 || auxtraceType != nil else { return nil }
        let kind = auxtraceType.map { " (\(Self.auxtraceName($0)))" } ?? ""
        let bytes =
            auxtraceRecords > 0
            ? "\(auxtraceBytes) bytes of AUX area trace data\(kind) in \(auxtraceRecords) AUXTRACE records"
            : "AUX area trace records\(kind) (\(auxRecords) AUX) without their data"
        return
            "this capture holds \(bytes); stackfold folds only sampled stacks and does not decode it: use perf script --itrace (e.g. --itrace=i100us) for its samples"
    }
}

extension PerfFile {
    /// Decodes a record the process model reads, for counting malformed ones without building the model
    /// (`info`); nil when it reads, or is not one of those.
    public func decodeError(ofModelRecord rec: RawRecord) -> PerfDataError? {
        do {
            switch rec.type {
            case .comm: _ = try comm(rec)
            case .fork: _ = try task(rec)
            case .mmap, .mmap2: _ = try mmap(rec)
            default: break
            }
            return nil
        } catch {
            return error
        }
    }

    /// Events recording LBR call stacks (`--call-graph lbr`: a branch stack of PERF_SAMPLE_BRANCH_CALL_STACK).
    public var lbrCallStackEvents: [Int] {
        events.indices.filter {
            events[$0].attr.sampleType.contains(.branchStack) && events[$0].attr.branchSampleType & (1 << 11) != 0
        }
    }
}
