// Folded stacks from perf.data or perf script text.
import BinaryIO
