// Shared by the perf.data fuzz targets (mutation and structure-aware): every record of a file that
// opened is ordered, decoded and followed through the process model, as the commands do.
import PerfData

func readEveryRecord(_ perf: PerfFile) {
    var model = ProcessModel(file: perf)
    var it = perf.orderedRecords()
    while let rec = it.next() {
        if rec.type == .sample {
            if let s = try? perf.sample(rec) {
                for f in s.frames() { _ = model.mapping(pid: s.pid, address: f.address, mode: f.mode) }
            }
        } else {
            _ = perf.lostCount(rec)
            model.process(rec, in: perf)
        }
    }
}
