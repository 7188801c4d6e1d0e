// Go execution traces: the wire reader (Generation, Order, Reader: Go 1.22+ format, ordered and timed
// exactly as Go's internal/trace does), and what stackfold needs from them (Analysis: GC ranges,
// goroutine runs per thread, labels, heap, clock facts).
import BinaryIO
