// Offline symbolization: Go pclntab, DWARF, ELF symbols, kernel; binaries by build-id from debuginfod.
import BinaryIO
import CElfUtils
