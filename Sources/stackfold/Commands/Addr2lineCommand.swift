import ArgumentParser
import BinaryIO
import Symbolize

struct Addr2lineCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "addr2line",
        abstract: "Function, file and line (with inlined frames) at file virtual addresses of a binary, like addr2line -f.")

    @Option(name: .short, help: "The binary (Go pclntab is read even when stripped).") var e: String
    @Flag(help: "Show inlined frames (innermost first), like addr2line -i.") var inlines = false
    @Flag(help: "One JSON object per address.") var json = false
    @Flag(help: "Raw names as the linker wrote them (generic shapes kept); the default is Go's runtime.Frame.Function.")
    var rawNames = false
    @Flag(help: "Hide wrapper frames as Go's own tracebacks do.") var goStyle = false
    @Argument(help: "Addresses (hex, 0x optional); read from standard input when none are given.") var addresses: [String] = []

    func run() throws {
        let image: BinaryImage
        do { image = try BinaryImage(path: e) } catch { throw UserError(error.description) }
        var list = addresses
        if list.isEmpty {
            while let line = readLine() { list.append(contentsOf: line.split(separator: " ").map(String.init)) }
        }
        var out = OutputBuffer(fd: 1)
        for a in list {
            let hex = a.hasPrefix("0x") || a.hasPrefix("0X") ? String(a.dropFirst(2)) : a
            guard let addr = UInt64(hex, radix: 16) else { throw UserError("not a hex address: \(a)") }
            var frames = image.frames(at: addr, goStyle: goStyle)
            if !inlines, let last = frames.last {
                // Without --inlines, addr2line prints the innermost file:line under the outermost function.
                frames = [SourceFrame(function: last.function, file: frames[0].file, line: frames[0].line, isInlined: false)]
            }
            let name = { (f: SourceFrame) in rawNames ? f.function : goPrintName(f.function) }
            if json {
                out.append("{\"addr\":\"0x\(String(addr, radix: 16))\",\"frames\":[")
                for (i, f) in frames.enumerated() {
                    if i > 0 { out.append(",") }
                    out.append("{\"function\":\(jsonString(name(f))),\"file\":\(jsonString(f.file)),\"line\":\(f.line)}")
                }
                out.append("]}\n")
            } else if frames.isEmpty {
                out.append("??\n??:0\n")
            } else {
                for f in frames { out.append("\(name(f))\n\(f.file):\(f.line)\n") }
            }
        }
        out.flush()
    }
}

func jsonString(_ s: String) -> String {
    var o = OutputBuffer(fd: -1)
    appendJSONString(s, to: &o)
    return String(decoding: o.take(), as: UTF8.self)
}
