// Offline symbolization: Go pclntab, DWARF, ELF symbols, kernel.
@_exported import BinaryIO
import CElfUtils
import CDebuginfod
