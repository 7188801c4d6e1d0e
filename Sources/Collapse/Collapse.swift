// Folded stacks from perf.data or perf script text.
@_exported import BinaryIO
