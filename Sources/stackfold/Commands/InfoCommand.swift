import BinaryIO
import ArgumentParser
import PerfData

struct InfoCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "info",
        abstract: "What perf report --header-only tells, plus record counts, lost samples, time span and clock.")

    @Argument(help: "A perf.data file (file or pipe mode); - reads standard input.")
    var input: String = "perf.data"

    func run() throws {
        let file = try openPerf(input)
        var out = ""
        let f = file.features
        out += "# ========\n"
        if input != "-", let date = modificationTime(input) {
            out += "# captured on    : \(date)\n"
        }
        out += "# mode           : \(file.isPipe ? "pipe" : "file"), \(file.order == .little ? "little" : "big")-endian\n"
        if !file.isPipe {
            out += "# data offset    : \(file.dataSection.offset)\n"
            out += "# data size      : \(file.dataSection.size)\n"
            out += "# feat offset    : \(file.dataSection.offset + file.dataSection.size)\n"
        }
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
        for e in file.events {
            let a = e.attr
            var parts = ["name = \(e.name)"]
            if !e.ids.isEmpty { parts.append("id = { \(e.ids.map(String.init).joined(separator: ", ")) }") }
            parts.append("type = \(a.type)")
            parts.append("size = \(a.size)")
            if a.config != 0 { parts.append("config = 0x\(String(a.config, radix: 16))") }
            parts.append(a.freq ? "{ sample_period, sample_freq } = \(a.samplePeriodOrFreq)" : "sample_period = \(a.samplePeriodOrFreq)")
            parts.append("sample_type = \(a.sampleType)")
            if a.readFormat.rawValue != 0 { parts.append("read_format = \(a.readFormat)") }
            parts.append(contentsOf: a.flagNames.map { $0 == "precise_ip" ? "precise_ip = \(a.preciseIP)" : "\($0) = 1" })
            if a.useClockID { parts.append("clockid = \(a.clockID)") }
            if a.sampleRegsUser != 0 { parts.append("sample_regs_user = 0x\(String(a.sampleRegsUser, radix: 16))") }
            if a.sampleStackUser != 0 { parts.append("sample_stack_user = \(a.sampleStackUser)") }
            if a.sampleMaxStack != 0 { parts.append("sample_max_stack = \(a.sampleMaxStack)") }
            out += "# event : " + parts.joined(separator: ", ") + "\n"
        }
        if let r = f.clockResolutionNs { out += "# clockid frequency: \(r == 0 ? 0 : 1000 / r) MHz\n" }
        if let cd = f.clockData {
            out += "# clock data: clockid \(cd.clockID) (\(clockName(cd.clockID))), reference time: \(cd.todNs) ns (TOD) = \(cd.clockNs) ns (clock)\n"
        }
        if !f.pmuMappings.isEmpty {
            out += "# pmu mappings: " + f.pmuMappings.map { "\($0.name) = \($0.type)" }.joined(separator: ", ") + "\n"
        }
        if let c = f.compression {
            out += "# compressed : \(c.type == 1 ? "Zstd" : "type \(c.type)"), level = \(c.level), ratio = \(c.ratio)\n"
        }
        if let st = f.sampleTime {
            out += "# time of first sample : \(perfSeconds(st.first))\n# time of last sample : \(perfSeconds(st.last))\n"
        }
        out += "# features: " + f.present.map(\.name).joined(separator: " ") + "\n"
        out += "# build ids: \(f.buildIDs.count)\n"
        for b in f.buildIDs { out += "#   \(b.buildID) \(b.filename)\n" }

        // Record pass: counts, lost samples, time span, clock.
        var counts: [RecordType: Int] = [:]
        var lost: UInt64 = 0
        var first: UInt64 = .max
        var last: UInt64 = 0
        var samples = 0
        var reader = file.records()
        var readError: PerfDataError?
        while true {
            let rec: RawRecord?
            do { rec = try reader.nextRecord() } catch {
                readError = error
                break
            }
            guard let rec else { break }
            counts[rec.type, default: 0] += 1
            lost += file.lostCount(rec)
            if rec.type == .sample {
                samples += 1
                if let t = file.timestamp(rec) {
                    first = min(first, t)
                    last = max(last, t)
                }
            }
        }
        out += "# ========\n"
        out += "# records:\n"
        for (t, n) in counts.sorted(by: { $0.key < $1.key }) {
            out += "#   \(t.name.padded(20)) \(n)\n"
        }
        out += "# samples: \(samples), lost: \(lost)\n"
        if first <= last {
            out += "# first sample: \(perfSeconds(first)), last sample: \(perfSeconds(last)), duration: \(cFormat("%.3f", Double(last - first) / 1e6)) ms\n"
        }
        let clock = file.events.first.map { $0.attr.useClockID ? "clockid \($0.attr.clockID) (\(clockName(UInt32(bitPattern: $0.attr.clockID))))" : "perf default (local_clock)" } ?? "unknown"
        out += "# clock: \(clock)\n"
        writeStdout(out)
        reportWarnings(file)
        if let readError { throw UserError(readError.description) }
    }
}

func clockName(_ id: UInt32) -> String {
    switch id {
    case 0: return "CLOCK_REALTIME"
    case 1: return "CLOCK_MONOTONIC"
    case 4: return "CLOCK_MONOTONIC_RAW"
    case 7: return "CLOCK_BOOTTIME"
    case 11: return "CLOCK_TAI"
    default: return "clock \(id)"
    }
}


func openPerf(_ path: String) throws -> PerfFile {
    // Opened first on its own: a file that cannot be opened has no offset to report.
    let file: MappedFile
    do { file = try MappedFile(path: path) } catch { throw UserError(error.description) }
    do {
        return try PerfFile(file: file)
    } catch {
        throw UserError(error.description)
    }
}

func reportWarnings(_ file: PerfFile) {
    for w in file.warnings {
        printError("stackfold: warning: \(w)\n")
    }
}
