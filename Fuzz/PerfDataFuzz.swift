// libFuzzer entry point for the perf.data reader: every input must be read or rejected, never trap.
// Built and run by scripts/fuzz-perfdata.sh.
import BinaryIO
import PerfData

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    let file = MappedFile(path: "fuzz-input", copying: UnsafeBufferPointer(start: data, count: size))
    guard let perf = try? PerfFile(file: file) else { return 0 }
    var model = ProcessModel(file: perf)
    var it = perf.orderedRecords()
    while let rec = it.next() {
        if rec.type == .sample {
            if let s = try? perf.sample(rec) {
                for f in s.frames() { _ = model.mapping(pid: s.pid, address: f.address, mode: f.mode) }
            }
        } else {
            model.process(rec, in: perf)
        }
    }
    return 0
}
