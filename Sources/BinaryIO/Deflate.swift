// gzip output with zlib: same bytes in, same bytes out (zlib's gzip header has mtime 0 and no name).
import CCompress

public struct CompressError: Error, CustomStringConvertible, Sendable {
    public var description: String
    public init(description: String) { self.description = description }
}

/// `bytes` as one gzip member. `level` as zlib's (1: fastest, as Go's runtime/pprof writes profiles;
/// 9: smallest).
public func gzip(_ bytes: [UInt8], level: Int32 = 1) throws(CompressError) -> [UInt8] {
    var s = z_stream()
    guard stackfold_gzip_init(&s, level) == Z_OK else { throw CompressError(description: "zlib: deflateInit2 failed") }
    defer { deflateEnd(&s) }
    // deflateBound covers the whole input in one call; avail_in is 32-bit, so larger inputs go in pieces.
    var out = [UInt8](repeating: 0, count: Int(deflateBound(&s, uLong(min(bytes.count, Int(UInt32.max))))) + 64)
    var produced = 0
    var status = Z_OK
    bytes.withUnsafeBufferPointer { input in
        var offset = 0
        repeat {
            let chunk = min(input.count - offset, Int(UInt32.max / 2))
            s.next_in = UnsafeMutablePointer(mutating: input.baseAddress.map { $0 + offset })
            s.avail_in = uInt(chunk)
            offset += chunk
            let flush = offset == input.count ? Z_FINISH : Z_NO_FLUSH
            repeat {
                if produced == out.count { out += [UInt8](repeating: 0, count: max(out.count / 2, 1 << 16)) }
                out.withUnsafeMutableBufferPointer { o in
                    s.next_out = o.baseAddress! + produced
                    s.avail_out = uInt(min(o.count - produced, Int(UInt32.max)))
                    let before = Int(s.avail_out)
                    status = deflate(&s, flush)
                    produced += before - Int(s.avail_out)
                }
            } while status == Z_OK && (s.avail_in > 0 || flush == Z_FINISH)
        } while offset < input.count && status == Z_OK
    }
    guard status == Z_STREAM_END else { throw CompressError(description: "zlib: deflate failed (\(status))") }
    out.removeSubrange(produced...)
    return out
}
