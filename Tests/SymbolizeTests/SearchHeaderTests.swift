import Foundation
import Testing
@testable import BinaryIO
@testable import Symbolize

/// `GoPclntab.searchHeader`'s scan (the magic tested on the word as loaded) against the scan it replaced,
/// kept here: the same header, or none, in Go binaries (stripped external PIEs need it), C binaries and
/// this machine's libc (a scan to the end, as every cgo capture's first rule made it).
@Suite struct SearchHeaderTests {
    /// The scan before, candidate for candidate.
    static func reference(_ elf: ELFFile) -> (UInt64, Int, UInt64)? {
        for seg in elf.segments where seg.type == 1 && !seg.isExecutable {
            guard seg.offset <= UInt64(elf.file.count), seg.fileSize <= UInt64(elf.file.count) - seg.offset else {
                continue
            }
            let b = UnsafeRawBufferPointer(rebasing: elf.file.bytes[Int(seg.offset)..<Int(seg.offset + seg.fileSize)])
            var i = 0
            while i + 64 <= b.count {
                defer { i += 8 }
                let magic = b.loadUnaligned(fromByteOffset: i, as: UInt32.self)
                guard (elf.order == .host ? magic : magic.byteSwapped) | 1 == 0xffff_fff1, b[i + 4] == 0, b[i + 5] == 0,
                      [1, 2, 4].contains(b[i + 6]), b[i + 7] == 8 || b[i + 7] == 4 else { continue }
                let ptrSize = Int(b[i + 7])
                var c = ByteCursor(UnsafeRawBufferPointer(rebasing: b[(i + 8)...]), order: elf.order)
                guard let words = try? (0..<8).map({ _ throws(ReadError) in try c.word(size: ptrSize) }) else {
                    continue
                }
                let address = seg.vaddr &+ UInt64(i)
                guard let m = GoPclntab.moduledata(elf, pcHeader: address, funcnameOffset: words[3], ptrSize: ptrSize),
                      let count = GoPclntab.word(elf, m &+ 14 * UInt64(ptrSize), ptrSize),
                      words[7] <= UInt64(b.count - i), count <= UInt64(b.count - i) - words[7] else { continue }
                return (address, Int(words[7] + count), seg.offset + UInt64(i))
            }
        }
        return nil
    }

    @Test(arguments: [
        "go1.21/workload", "go1.22/workload", "go1.23/workload", "go1.24/workload", "go1.25/workload",
        "go1.26/workload", "go1.27/workload", "go1.21/workload-extpie-stripped", "go1.25/workload-extpie-stripped",
        "go1.27/workload-extpie-stripped", "c/cwork", "/lib/x86_64-linux-gnu/libc.so.6",
    ])
    func sameHeaderAsBefore(_ name: String) throws {
        if name.hasPrefix("/"), !FileManager.default.fileExists(atPath: name) { return }
        let elf = try ELFFile(path: name.hasPrefix("/") ? name : try FixtureBinaries.path(name))
        let want = Self.reference(elf)
        let got = GoPclntab.searchHeader(elf)
        #expect(got?.0 == want?.0 && got?.1.count == want?.1 && got?.2 == want?.2, "\(name)")
        #expect((want != nil) == (name.hasPrefix("go")), "\(name)")
    }
}
