// Offline symbolization: Go pclntab, DWARF, ELF symbols, kernel; binaries by build-id from debuginfod.
@_exported import BinaryIO
import CElfUtils
