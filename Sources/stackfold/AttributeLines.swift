import Align
import BinaryIO
import Collapse

/// `attribute`'s lines, one per sample: a JSON object, or the table's text. Hundreds of thousands of lines:
/// what repeats is rendered once (a unique stack's leaf or frames, a goroutine's start function), the rest
/// appended as bytes.
struct AttributeLines {
    let collapser: PerfCollapser
    let json: Bool
    private var stackText: [Int32: [UInt8]] = [:]
    private var functions: [Int64: [UInt8]] = [:]

    init(collapser: PerfCollapser, json: Bool) {
        self.collapser = collapser
        self.json = json
    }

    mutating func append(_ a: Attribution, inRegion: Bool, to out: inout OutputBuffer) {
        if json { appendJSON(a, inRegion: inRegion, to: &out) } else { appendText(a, inRegion: inRegion, to: &out) }
    }

    /// The stack's leaf as a JSON string, or its frames (caller;...;leaf) for the table.
    private mutating func names(_ stack: Int32) -> [UInt8] {
        if let t = stackText[stack] { return t }
        let names = collapser.stackNames(stack)
        var t: [UInt8] = []
        if json {
            appendJSONString(names.last ?? "", to: &t)
        } else {
            t = Array(names.dropFirst().joined(separator: ";").utf8)
        }
        stackText[stack] = t
        return t
    }

    private mutating func appendJSON(_ a: Attribution, inRegion: Bool, to out: inout OutputBuffer) {
        out.append("{\"time\":")
        out.append(decimal: a.sample.time)
        out.append(",\"trace_time\":")
        appendSigned(a.traceTime, to: &out)
        out.append(",\"tid\":")
        appendSigned(Int64(a.sample.tid), to: &out)
        if collapser.recordsCPU {
            out.append(",\"cpu\":")
            out.append(decimal: UInt64(a.sample.cpu))
        }
        out.append(",\"goroutine\":")
        appendSigned(a.goroutine, to: &out)
        out.append(",\"function\":")
        if let f = functions[a.goroutine] {
            out.append(bytes: f)
        } else {
            var f: [UInt8] = []
            appendJSONString(a.goroutineFunction, to: &f)
            functions[a.goroutine] = f
            out.append(bytes: f)
        }
        out.append(",\"label\":")
        appendJSONString(a.label, to: &out)
        out.append(",\"gc\":\"")
        out.append(a.gc.rawValue)
        if inRegion {
            let regions = a.regions
            out.append("\",\"region\":")
            appendJSONString(regions.last ?? "", to: &out)
            out.append(",\"regions\":[")
            for (k, r) in regions.enumerated() {
                if k > 0 { out.append(byte: 0x2c) }
                appendJSONString(r, to: &out)
            }
            out.append("],\"task\":")
            if let task = a.task { out.append(decimal: task) } else { out.append("null") }
            out.append(",\"task_type\":")
            appendJSONString(a.taskType, to: &out)
        } else {
            out.append("\",\"region\":\"\",\"regions\":[],\"task\":null,\"task_type\":\"\"")
        }
        out.append(",\"leaf\":")
        out.append(bytes: names(a.sample.stack))
        out.append("}\n")
    }

    private mutating func appendText(_ a: Attribution, inRegion: Bool, to out: inout OutputBuffer) {
        out.append(decimal: a.sample.time)
        out.append(byte: 0x20)
        appendSigned(Int64(a.sample.tid), to: &out)
        out.append(" g=")
        appendSigned(a.goroutine, to: &out)
        out.append(byte: 0x20)
        out.append(a.gc.rawValue)
        if inRegion {
            let regions = a.regions
            if !regions.isEmpty {
                out.append(" region=\(regions.joined(separator: "/"))" + (a.task.map { " task=\($0)" } ?? ""))
            }
        }
        out.append(byte: 0x20)
        out.append(bytes: names(a.sample.stack))
        out.append(byte: 0x0a)
    }
}

/// `v` in decimal, with its sign.
private func appendSigned(_ v: Int64, to out: inout OutputBuffer) {
    if v < 0 { out.append(byte: 0x2d) }
    out.append(decimal: v.magnitude)
}
