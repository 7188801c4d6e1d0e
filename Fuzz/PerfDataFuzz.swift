// libFuzzer entry point for the perf.data reader: every input must be read or rejected, never trap.
// Built and run by scripts/fuzz.sh perfdata.
import BinaryIO
import PerfData

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    let file = MappedFile(path: "fuzz-input", copying: UnsafeBufferPointer(start: data, count: size))
    guard let perf = try? PerfFile(file: file) else { return 0 }
    readEveryRecord(perf)
    return 0
}
