import BinaryIO

// What `stackfold info` prints about a capture: perf report --header-only's facts (PerfFile.headerText)
// and a pass over every record (PerfFileSummary), as values and their text. Sums of values read from the
// file saturate instead of trapping.

/// Record counts, lost samples and the samples' time span, from one pass over the records.
public struct PerfFileSummary: Sendable {
    public var recordCounts: [(type: RecordType, count: Int)] = []
    public var samples = 0
    /// Lost samples (PERF_RECORD_LOST and LOST_SAMPLES), saturating at UInt64.max.
    public var lost: UInt64 = 0
    /// Earliest and latest sample time; nil without timed samples.
    public var sampleTimes: (first: UInt64, last: UInt64)?
    /// Why the pass stopped before the end, if it did (what was read before is counted).
    public var readError: PerfDataError?
    /// Malformed records and AUX area data (RecordNotes.swift); samples of events with LBR call stacks.
    public var notes = RecordNotes()
    public var lbrSamples = 0

    public init(_ file: PerfFile) {
        var counts: [RecordType: Int] = [:]
        var first: UInt64 = .max, last: UInt64 = 0
        let lbr = Set(file.lbrCallStackEvents)
        var reader = file.records()
        while true {
            let rec: RawRecord?
            do { rec = try reader.nextRecord() } catch {
                readError = error
                break
            }
            guard let rec else { break }
            counts[rec.type, default: 0] += 1
            let (sum, overflow) = lost.addingReportingOverflow(file.lostCount(rec))
            lost = overflow ? .max : sum
            if let e = file.decodeError(ofModelRecord: rec) { notes.noteMalformed(rec, e) }
            notes.observe(rec)
            if rec.type == .sample {
                samples += 1
                if !lbr.isEmpty, lbr.contains(file.eventIndex(of: rec)) { lbrSamples &+= 1 }
                if let t = file.timestamp(rec) {
                    first = min(first, t)
                    last = max(last, t)
                }
            }
        }
        recordCounts = counts.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }
        if first <= last { sampleTimes = (first, last) }
    }
}

extension PerfFile {
    /// What a fold skips, when the capture has any: malformed records, AUX area data, LBR call stacks.
    func skippedText(_ s: PerfFileSummary) -> String {
        var out = ""
        let n = s.notes
        if let first = n.firstMalformed {
            out +=
                "# malformed records: \(n.malformedCount) (\(n.malformedList)), skipped; the first: \(first.type.name) at offset \(first.offset) (0x\(String(first.offset, radix: 16))): \(first.message)\n"
        }
        if n.auxtraceRecords > 0 || n.auxRecords > 0 || n.auxtraceType != nil {
            let kind = n.auxtraceType.map { " (\(RecordNotes.auxtraceName($0)))" } ?? ""
            out +=
                "# AUX area trace data\(kind): \(n.auxtraceBytes) bytes in \(n.auxtraceRecords) AUXTRACE records, \(n.auxRecords) AUX records; not folded (perf script --itrace decodes it)\n"
        }
        if s.lbrSamples > 0 {
            let names = lbrCallStackEvents.map { events[$0].name }.joined(separator: ", ")
            out +=
                "# LBR call stacks: \(s.lbrSamples) samples (\(names)); not folded (stacks are the recorded callchains)\n"
        }
        return out
    }
}

/// The name of a clock id as perf prints it.
public func clockName(_ id: UInt32) -> String {
    switch id {
    case 0: return "CLOCK_REALTIME"
    case 1: return "CLOCK_MONOTONIC"
    case 4: return "CLOCK_MONOTONIC_RAW"
    case 7: return "CLOCK_BOOTTIME"
    case 11: return "CLOCK_TAI"
    default: return "clock \(id)"
    }
}

extension PerfFile {
    /// The header as `# key : value` lines (perf report --header-only's facts), then the summary's
    /// counts; `capturedOn`: the file's date, when known.
    public func describe(capturedOn: String?, summary: PerfFileSummary) -> String {
        headerText(capturedOn: capturedOn) + summaryText(summary)
    }

    func headerText(capturedOn: String?) -> String {
        var out = "# ========\n"
        if let date = capturedOn { out += "# captured on    : \(date)\n" }
        out +=
            "# mode           : \(isPipe ? "pipe" : "file"), \(order == .little ? "little" : "big")-endian\(isLegacy ? ", legacy \"PERFFILE\" header" : "")\n"
        if !isPipe {
            out += "# data offset    : \(dataSection.offset)\n"
            out += "# data size      : \(dataSection.size)\n"
            let (end, overflow) = dataSection.offset.addingReportingOverflow(dataSection.size)
            out += "# feat offset    : \(overflow ? "past 2^64 (offset + size overflow)" : String(end))\n"
        }
        out += featureLines()
        for e in events { out += "# event : " + Self.eventFields(e).joined(separator: ", ") + "\n" }
        let f = features
        if let r = f.clockResolutionNs { out += "# clockid frequency: \(r == 0 ? 0 : 1000 / r) MHz\n" }
        if let cd = f.clockData {
            out +=
                "# clock data: clockid \(cd.clockID) (\(clockName(cd.clockID))), reference time: \(cd.todNs) ns (TOD) = \(cd.clockNs) ns (clock)\n"
        }
        if !f.pmuMappings.isEmpty {
            out += "# pmu mappings: " + f.pmuMappings.map { "\($0.name) = \($0.type)" }.joined(separator: ", ") + "\n"
        }
        if let c = f.compression {
            out += "# compressed : \(c.type == 1 ? "Zstd" : "type \(c.type)"), level = \(c.level), ratio = \(c.ratio)\n"
        }
        if let st = f.sampleTime {
            out +=
                "# time of first sample : \(perfSeconds(st.first))\n# time of last sample : \(perfSeconds(st.last))\n"
        }
        out += "# features: " + f.present.map(\.name).joined(separator: " ") + "\n"
        out += "# build ids: \(f.buildIDs.count)\n"
        for b in f.buildIDs { out += "#   \(b.buildID) \(b.filename)\n" }
        return out
    }

    private func featureLines() -> String {
        let f = features
        var out = ""
        if let v = f.hostname { out += "# hostname : \(v)\n" }
        if let v = f.osRelease { out += "# os release : \(v)\n" }
        if let v = f.perfVersion { out += "# perf version : \(v)\n" }
        if let v = f.arch { out += "# arch : \(v)\n" }
        if let v = f.nrCPUsOnline { out += "# nrcpus online : \(v)\n" }
        if let v = f.nrCPUsAvailable { out += "# nrcpus avail : \(v)\n" }
        if let v = f.cpuDesc { out += "# cpudesc : \(v)\n" }
        if let v = f.cpuID { out += "# cpuid : \(v)\n" }
        if let v = f.totalMemory { out += "# total memory : \(v) kB\n" }
        if let v = f.cmdline { out += "# cmdline : \(v.joined(separator: " "))\n" }
        return out
    }

    /// An event's attr as perf report --header-only lists it.
    static func eventFields(_ e: EventDesc) -> [String] {
        let a = e.attr
        var parts = ["name = \(e.name)"]
        if !e.ids.isEmpty { parts.append("id = { \(e.ids.map(String.init).joined(separator: ", ")) }") }
        parts.append("type = \(a.type)")
        parts.append("size = \(a.size)")
        if a.config != 0 { parts.append("config = 0x\(String(a.config, radix: 16))") }
        parts.append(
            a.freq
                ? "{ sample_period, sample_freq } = \(a.samplePeriodOrFreq)" : "sample_period = \(a.samplePeriodOrFreq)"
        )
        parts.append("sample_type = \(a.sampleType)")
        if a.readFormat.rawValue != 0 { parts.append("read_format = \(a.readFormat)") }
        parts.append(contentsOf: a.flagNames.map { $0 == "precise_ip" ? "precise_ip = \(a.preciseIP)" : "\($0) = 1" })
        if a.useClockID { parts.append("clockid = \(a.clockID)") }
        if a.sampleRegsUser != 0 { parts.append("sample_regs_user = 0x\(String(a.sampleRegsUser, radix: 16))") }
        if a.sampleStackUser != 0 { parts.append("sample_stack_user = \(a.sampleStackUser)") }
        if a.sampleMaxStack != 0 { parts.append("sample_max_stack = \(a.sampleMaxStack)") }
        return parts
    }

    func summaryText(_ s: PerfFileSummary) -> String {
        var out = "# ========\n# records:\n"
        for (t, n) in s.recordCounts {
            let name = t.name
            out += "#   \(name + String(repeating: " ", count: max(0, 20 - name.count))) \(n)\n"
        }
        out += "# samples: \(s.samples), lost: \(s.lost)\n"
        out += skippedText(s)
        if let (first, last) = s.sampleTimes {
            out +=
                "# first sample: \(perfSeconds(first)), last sample: \(perfSeconds(last)), duration: \(cFormat("%.3f", Double(last - first) / 1e6)) ms\n"
        }
        let clock =
            events.first.map {
                $0.attr.useClockID
                    ? "clockid \($0.attr.clockID) (\(clockName(UInt32(bitPattern: $0.attr.clockID))))"
                    : "perf default (local_clock)"
            } ?? "unknown"
        out += "# clock: \(clock)\n"
        return out
    }
}
