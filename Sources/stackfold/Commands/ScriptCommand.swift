import ArgumentParser
import BinaryIO
import PerfData

struct ScriptCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "script",
        abstract: "One block per sample, like perf script; --json for one object per sample.")

    @Argument(help: "A perf.data file (file or pipe mode); - reads standard input.")
    var input: String = "perf.data"

    @Flag(help: "One JSON object per line per sample.")
    var json = false

    @Flag(help: "Records in file order instead of perf's time order.")
    var fileOrder = false

    @Flag(help: "Read every sample and print only the count (for benchmarks).")
    var countOnly = false

    @Flag(help: "List every record (file offset, size, type) instead of samples, in the chosen order.")
    var records = false

    func run() throws {
        let file = try openPerf(input)
        var model = ProcessModel(file: file)
        var out = OutputBuffer(fd: 1)
        var count = 0
        var failure: PerfDataError?
        func handle(_ rec: RawRecord) throws(PerfDataError) {
            if records {
                out.append("0x\(String(rec.offset, radix: 16)) [0x\(String(rec.size, radix: 16))]: \(rec.type.name)\n")
                return
            }
            if rec.type != .sample {
                model.process(rec, in: file)
                return
            }
            count += 1
            if countOnly { return }
            let s = try file.sample(rec)
            if json {
                writeJSON(s, file: file, model: model, to: &out)
            } else {
                writeText(s, file: file, model: model, to: &out)
            }
        }
        do {
            if fileOrder {
                var r = file.records()
                while let rec = try r.nextRecord() { try handle(rec) }
            } else {
                var r = file.orderedRecords()
                while let rec = r.next() { try handle(rec) }
                failure = r.error
            }
        } catch {
            failure = error
        }
        if countOnly { out.append("\(count)\n") }
        out.flush()
        reportWarnings(file)
        if let failure { throw UserError(failure.description) }
    }
}

/// perf script's default layout: `comm pid [cpu] time: period event:` then one line per frame.
func writeText(_ s: Sample, file: PerfFile, model: ProcessModel, to out: inout OutputBuffer) {
    let ev = file.events[s.eventIndex]
    let t = ev.layout.type
    let comm = model.comm(tid: s.tid)
    let hasChain = t.contains(.callchain)
    out.append(hasChain ? comm + " " : leftPad(comm, 16) + " ")
    out.append(leftPad(String(s.tid), 5) + " ")
    if t.contains(.cpu) { out.append("[" + leftPad(String(s.cpu), 3, "0") + "] ") }
    if t.contains(.time) {
        let us = s.time / 1000
        out.append(leftPad(String(us / 1_000_000), 5) + "." + leftPad(String(us % 1_000_000), 6, "0") + ": ")
    }
    if t.contains(.period) { out.append(leftPad(String(s.period), 10) + " ") }
    out.append(ev.name + ": ")
    if hasChain {
        out.append("\n")
        for f in s.frames() {
            let m = model.mapping(pid: s.pid, address: f.address, mode: f.mode)
            let shown = m.map { $0.isKernel ? f.address : $0.fileOffset(of: f.address) } ?? f.address
            out.append("\t" + leftPad(String(shown, radix: 16), 16) + " [unknown] (" + (m?.filename ?? "[unknown]") + ")\n")
        }
        out.append("\n")
    } else {
        let m = model.mapping(pid: s.pid, address: s.ip, mode: s.cpuMode)
        out.append(leftPad(String(s.ip, radix: 16), 16) + " [unknown] (" + (m?.filename ?? "[unknown]") + ")\n")
    }
}

func writeJSON(_ s: Sample, file: PerfFile, model: ProcessModel, to out: inout OutputBuffer) {
    let ev = file.events[s.eventIndex]
    let t = ev.layout.type
    out.append("{\"time\":")
    out.append(decimal: s.time)
    out.append(",\"pid\":\(s.pid),\"tid\":\(s.tid)")
    if t.contains(.cpu) { out.append(",\"cpu\":\(s.cpu)") }
    out.append(",\"period\":")
    out.append(decimal: s.period)
    out.append(",\"event\":")
    appendJSONString(ev.name, to: &out)
    out.append(",\"comm\":")
    appendJSONString(model.comm(tid: s.tid), to: &out)
    out.append(",\"ips\":[")
    var first = true
    for f in s.frames() {
        if !first { out.append(byte: 0x2c) }
        first = false
        out.append("\"0x" + String(f.address, radix: 16) + "\"")
    }
    out.append("],\"stack\":[]}\n")
}

func appendJSONString(_ s: String, to out: inout OutputBuffer) {
    var r = "\""
    for u in s.unicodeScalars {
        switch u {
        case "\"": r += "\\\""
        case "\\": r += "\\\\"
        case "\n": r += "\\n"
        case "\r": r += "\\r"
        case "\t": r += "\\t"
        default:
            if u.value < 0x20 {
                let h = String(u.value, radix: 16)
                r += "\\u" + String(repeating: "0", count: 4 - h.count) + h
            } else {
                r.unicodeScalars.append(u)
            }
        }
    }
    out.append(r + "\"")
}

func leftPad(_ s: String, _ width: Int, _ pad: Character = " ") -> String {
    s.count >= width ? s : String(repeating: pad, count: width - s.count) + s
}
