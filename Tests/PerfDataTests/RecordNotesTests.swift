import Testing
import BinaryIO
@testable import PerfData

/// RecordNotes keeps all but the malformed count out of line (RecordNotes.swift): each field must read
/// back as counted, copies must stay independent, and the ProcessModel holding it stays ≤ 128 bytes
/// (its per-sample copy in the fold is then moves, not a `memcpy` call).
@Suite struct RecordNotesTests {
    /// Runs `body` with a record of `type` whose body is `bytes`.
    func withRecord(_ type: RecordType, _ bytes: [UInt8], offset: Int = 0, _ body: (RawRecord) -> Void) {
        bytes.withUnsafeBytes { buf in
            body(RawRecord(type: type, misc: 0, size: 8 + bytes.count, offset: offset, fromCompressed: false,
                           body: ByteCursor(buf)))
        }
    }

    func u64(_ v: UInt64) -> [UInt8] { (0..<8).map { UInt8(truncatingIfNeeded: v >> ($0 * 8)) } }

    @Test func fieldsReadBackAsCounted() {
        var n = RecordNotes()
        #expect(n.malformedCount == 0 && n.malformed.isEmpty && n.firstMalformed == nil)
        #expect(n.auxtraceBytes == 0 && n.auxtraceRecords == 0 && n.auxRecords == 0 && n.auxtraceType == nil)
        #expect(n.auxWarning == nil && n.malformedWarning(path: "p") == nil)
        let err = PerfDataError(path: "p", offset: 3, message: "short")
        withRecord(.mmap2, [], offset: 40) { n.noteMalformed($0, err) }
        withRecord(.comm, [], offset: 80) { n.noteMalformed($0, err) }
        withRecord(.mmap2, [], offset: 96) { n.noteMalformed($0, err) }
        #expect(n.malformedCount == 3)
        #expect(n.malformed == [.mmap2: 2, .comm: 1])
        #expect(n.firstMalformed?.type == .mmap2 && n.firstMalformed?.offset == 40 && n.firstMalformed?.message == "short")
        withRecord(.aux, []) { n.observe($0) }
        withRecord(.auxtrace, u64(.max - 1)) { n.observe($0) }
        withRecord(.auxtrace, u64(5)) { n.observe($0) }
        withRecord(.auxtraceInfo, [4, 0, 0, 0]) { n.observe($0) }
        withRecord(.auxtraceInfo, [1, 0, 0, 0]) { n.observe($0) }
        withRecord(.lost, [1, 2]) { n.observe($0) }
        #expect(n.auxRecords == 1 && n.auxtraceRecords == 2)
        #expect(n.auxtraceBytes == .max)  // saturating
        #expect(n.auxtraceType == 4)  // the first one's
        #expect(n.auxWarning?.contains("arm_spe") == true)
    }

    @Test func copiesAreIndependent() {
        var a = RecordNotes()
        withRecord(.aux, []) { a.observe($0) }
        var b = a
        withRecord(.aux, []) { b.observe($0) }
        let err = PerfDataError(path: "p", offset: 0, message: "m")
        withRecord(.fork, []) { b.noteMalformed($0, err) }
        #expect(a.auxRecords == 1 && b.auxRecords == 2)
        #expect(a.malformedCount == 0 && a.malformed.isEmpty && a.firstMalformed == nil)
        #expect(b.malformedCount == 1 && b.malformed == [.fork: 1])
    }

    @Test func processModelFitsInlineCopies() {
        #expect(MemoryLayout<RecordNotes>.size <= 16)
        #expect(MemoryLayout<ProcessModel>.size <= 128)
    }
}
