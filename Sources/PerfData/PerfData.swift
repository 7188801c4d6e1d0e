// perf.data reader: see PerfFile.swift.
import BinaryIO
import CZstd
