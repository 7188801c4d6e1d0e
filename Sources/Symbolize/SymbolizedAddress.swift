// `addr2line --json`: an address and its frames as an Encodable value.

/// An address and its frames, innermost first; encoded as
/// `{"addr":"0x4a1b2c","frames":[{"file":"…","function":"…","line":12}]}` (file, function and line of
/// each frame: what `addr2line -f` prints).
public struct SymbolizedAddress: Encodable, Sendable, Equatable {
    public var address: UInt64
    public var frames: [SourceFrame]

    public init(address: UInt64, frames: [SourceFrame]) {
        self.address = address
        self.frames = frames
    }

    enum Key: String, CodingKey { case addr, frames }

    struct Frame: Encodable {
        var function: String
        var file: String
        var line: Int
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: Key.self)
        try c.encode("0x" + String(address, radix: 16), forKey: .addr)
        try c.encode(frames.map { Frame(function: $0.function, file: $0.file, line: $0.line) }, forKey: .frames)
    }
}
