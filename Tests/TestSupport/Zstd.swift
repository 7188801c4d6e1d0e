import CZstd
import Foundation

public struct FixtureFailure: Error, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}

/// Decompresses one zstd frame whose matches may reach back into `reference` (a zstd "prefix", as
/// `zstd --patch-from` makes; empty: a plain frame). `name` labels errors.
public func zstdDecompress(_ patch: Data, reference: Data = Data(), name: String) throws -> Data {
    guard let ctx = ZSTD_createDCtx() else { throw FixtureFailure("\(name): ZSTD_createDCtx failed") }
    defer { ZSTD_freeDCtx(ctx) }
    return try patch.withUnsafeBytes { src in
        try reference.withUnsafeBytes { ref in
            let size = ZSTD_getFrameContentSize(src.baseAddress, src.count)
            // Unknown or error sizes are near UInt64.max: fail, do not trap.
            guard size < 1 << 32 else { throw FixtureFailure("\(name).zst: no content size in the zstd frame") }
            var out = Data(count: Int(size))
            let n = out.withUnsafeMutableBytes { dst -> Int in
                let r = ZSTD_DCtx_refPrefix(ctx, ref.baseAddress, ref.count)
                if ZSTD_isError(r) != 0 { return r }
                return ZSTD_decompressDCtx(ctx, dst.baseAddress, dst.count, src.baseAddress, src.count)
            }
            guard ZSTD_isError(n) == 0, n == Int(size) else {
                throw FixtureFailure(
                    "\(name).zst: \(ZSTD_isError(n) != 0 ? String(cString: ZSTD_getErrorName(n)) : "short output")")
            }
            return out
        }
    }
}
