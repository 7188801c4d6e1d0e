// Go execution trace reader (Go 1.21 format and 1.22+ format).
@_exported import BinaryIO
