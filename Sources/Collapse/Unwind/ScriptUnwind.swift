// `script` of `--call-graph dwarf` samples: the unwound stack (see SampleUnwind.swift) in place of the
// recorded callchain, with how each frame was found in the JSON, and the truncation marker as a frame.
import BinaryIO
import PerfData

extension UnwoundEntry {
    /// The JSON `found` of the frame: the unwinder's origin; kernel entries come from the recorded callchain.
    var found: String { origin?.rawValue ?? "kernel" }
}

extension PerfScriptWriter {
    /// The frame lines of an unwound sample; a stack cut by the dump size ends in its marker line.
    mutating func appendUnwoundText(_ entries: [UnwoundEntry], stop: UnwindStop, pid: Int32, model: ProcessModel) {
        for e in entries {
            // perf script prints an unwound return address less one (the call instruction, where it looks up
            // the symbol): the same address and offset here.
            let user = e.origin != nil && !e.exact
            let id = chunk(user ? e.address &- 1 : e.address, mode: e.mode, exact: user || e.exact, pid: pid, model: model)
            line += chunkPool[chunkRanges[Int(id)]]
        }
        if let marker = PerfCollapser.truncationMarker(stop) {
            line += ("\t" + leftPad("0", 16) + " " + marker + "\n").utf8
        }
    }

    /// `ips` and `stack` of an unwound sample (after `comm`), each stack frame with `found`; the marker of a
    /// cut stack is a last frame with `found: "marker"`, no address and no module.
    mutating func writeUnwoundJSON(_ entries: [UnwoundEntry], stop: UnwindStop, pid: Int32, model: ProcessModel,
                                   to out: inout OutputBuffer) {
        out.append(",\"ips\":[")
        for (i, e) in entries.enumerated() {
            if i > 0 { out.append(byte: 0x2c) }
            out.append("\"0x" + String(e.address, radix: 16) + "\"")
        }
        out.append("],\"stack\":[")
        let open = Array("{\"addr\":".utf8)
        for (i, e) in entries.enumerated() {
            if i > 0 { out.append(byte: 0x2c) }
            let id = chunk(e.address, mode: e.mode, exact: e.exact, pid: pid, model: model)
            // Each frame object of the chunk starts with `{"addr":` (names are escaped JSON strings, so the
            // pattern cannot occur inside one): `found` goes in front of it.
            let bytes = chunkPool[chunkRanges[Int(id)]]
            let tag = Array("{\"found\":\"\(e.found)\",\"addr\":".utf8)
            var rewritten: [UInt8] = []
            rewritten.reserveCapacity(bytes.count + 32)
            var k = bytes.startIndex
            while k < bytes.endIndex {
                if bytes[k] == 0x7b, bytes.endIndex - k >= open.count, bytes[k..<k + open.count].elementsEqual(open) {
                    rewritten += tag
                    k += open.count
                } else {
                    rewritten.append(bytes[k])
                    k += 1
                }
            }
            out.append(bytes: rewritten)
        }
        if let marker = PerfCollapser.truncationMarker(stop) {
            if !entries.isEmpty { out.append(byte: 0x2c) }
            out.append("{\"found\":\"marker\",\"addr\":null,\"function\":\"\(marker)\",\"offset\":null,\"module\":null,\"inlined\":false}")
        }
        out.append("]}\n")
    }
}
