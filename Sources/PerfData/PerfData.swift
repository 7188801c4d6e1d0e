// perf.data reader: see PerfFile.swift.
@_exported import BinaryIO
import CZstd
