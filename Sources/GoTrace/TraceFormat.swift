/// A trace header names the format, not the Go that wrote it: Go 1.24 writes "go 1.23 trace" and Go 1.27
/// "go 1.26 trace" (docs/research/go-trace.md). Said as the range of releases known to write it.
extension TraceVersion {
    public var formatName: String {
        switch self {
        case .go121: return "Go 1.21 format (\"go 1.21 trace\", written by Go 1.21)"
        case .go122: return "Go 1.22 format (\"go 1.22 trace\", written by Go 1.22)"
        case .go123: return "Go 1.23 format (\"go 1.23 trace\", written by Go 1.23 and 1.24)"
        case .go125: return "Go 1.25 format (\"go 1.25 trace\", written by Go 1.25)"
        case .go126: return "Go 1.26+ format (\"go 1.26 trace\", written by Go 1.26 and 1.27)"
        default: return "format \"\(self) trace\""
        }
    }
}
