// libFuzzer entry point for the Go execution trace reader: every input must be read (with warnings)
// or rejected with an error, never trap or hang. Built and run by scripts/fuzz.sh gotrace.
import BinaryIO
import GoTrace

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    let bytes = UnsafeRawBufferPointer(start: data, count: size)
    if let t = try? GoTrace(bytes: bytes, keepParsedLines: true) {
        // Touch what the commands use, so lazily built parts run too.
        _ = t.ranges.count + t.runs.count + t.regions.count + t.parsedLines.count
    }
    return 0
}
