// The one file of PerfData that talks to C (libzstd).
import CZstd

/// Streaming zstd decoder for `PERF_RECORD_COMPRESSED` payloads: perf writes all chunks of a capture
/// as one unterminated zstd frame, so one context must see them in order.
final class ZstdStream {
    private let ctx: OpaquePointer

    init?() {
        guard let c = ZSTD_createDCtx() else { return nil }
        ctx = c
    }

    deinit { ZSTD_freeDCtx(ctx) }

    /// Output allowed per input byte. perf data compresses 3–20× with zstd; a record whose blocks
    /// expand further (zstd's RLE blocks reach ~40,000×) is a bomb, refused before memory runs out.
    static let maxRatio = 1024
    /// Output always allowed per record, whatever its size.
    static let minBudget = 1 << 20

    /// Decompresses `input` and appends the output to `out`, at most `max(minBudget, maxRatio ×
    /// input.count)` bytes. Returns an error message on failure.
    func decompress(_ input: UnsafeRawBufferPointer, into out: inout [UInt8]) -> String? {
        let budget = max(Self.minBudget, Self.maxRatio &* input.count)
        let limit = out.count &+ budget
        guard let src = input.baseAddress, input.count > 0 else { return nil }
        var inBuf = ZSTD_inBuffer(src: src, size: input.count, pos: 0)
        let chunk = max(ZSTD_DStreamOutSize(), 1 << 16)
        var scratch = [UInt8](repeating: 0, count: chunk)
        // Stop when the input is consumed and the output buffer was not filled (nothing left to flush);
        // a round without progress means corrupt input, not a reason to spin.
        while true {
            let before = inBuf.pos
            let (rc, produced) = scratch.withUnsafeMutableBytes { dst -> (Int, Int) in
                var outBuf = ZSTD_outBuffer(dst: dst.baseAddress, size: dst.count, pos: 0)
                let r = ZSTD_decompressStream(ctx, &outBuf, &inBuf)
                return (r, outBuf.pos)
            }
            if ZSTD_isError(rc) != 0 {
                return String(cString: ZSTD_getErrorName(rc))
            }
            if out.count &+ produced > limit {
                return
                    "a \(input.count)-byte record expands past \(budget) bytes (\(Self.maxRatio)× its size): not perf's compression; not decompressed"
            }
            out.append(contentsOf: scratch[0..<produced])
            if inBuf.pos >= inBuf.size && produced < chunk { break }
            if produced == 0 && inBuf.pos == before { return "no progress decoding zstd data" }
        }
        return nil
    }
}
