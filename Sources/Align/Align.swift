// Aligning perf samples with the Go execution trace.
import PerfData
import GoTrace
