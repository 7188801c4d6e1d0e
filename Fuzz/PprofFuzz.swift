// libFuzzer entry point for the pprof reader and top: every input must be read or rejected with an
// error, never trap or hang. Built and run by scripts/fuzz.sh pprof, seeded with Fixtures/pprof.
import BinaryIO
import Pprof

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    let bytes = UnsafeRawBufferPointer(start: data, count: size)
    _ = PprofProfile.looksLikeProfile(bytes)
    // A small memory bound: the fuzzer's inputs are at most 64 KiB.
    guard let p = try? PprofProfile(bytes: bytes, path: "fuzz", memoryLimit: 64 << 20) else { return 0 }
    for i in p.sampleTypes.indices {
        let s = p.stacks(index: i)
        _ = s.folded(markInline: true)
        var o = TopTable.Options()
        o.nodeCount = 3
        _ = TopText.render(TopTable(s, options: o))
    }
    return 0
}
