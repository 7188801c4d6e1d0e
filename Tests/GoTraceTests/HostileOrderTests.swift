import CZstd
import Foundation
import GoTrace
import Testing
import TestSupport

/// Traces crafted to make event ordering quadratic (issue 22; Fixtures/hostile, made by
/// Fixtures/generate-hostile.sh with scripts/hostile/tracegen.py): each ends in seconds with an error
/// or a warning saying the order is impossible, as Go's parser ends them (after minutes).
@Suite struct HostileOrderTests {
    static func bytes(_ name: String) throws -> [UInt8] {
        let z = try Data(contentsOf: Paths.fixtures.appendingPathComponent("hostile/\(name).trace.zst"))
        return z.withUnsafeBytes { src in
            let size = ZSTD_getFrameContentSize(src.baseAddress, src.count)
            guard size < 1 << 28 else { return [] }
            var out = [UInt8](repeating: 0, count: Int(size))
            let n = out.withUnsafeMutableBytes { ZSTD_decompress($0.baseAddress, $0.count, src.baseAddress, src.count) }
            return Array(out.prefix(Int(n)))
        }
    }

    /// The error, or else the warnings, of reading `name` whole; how long it took.
    static func read(_ name: String) throws -> (message: String, seconds: Double) {
        let b = try bytes(name)
        #expect(b.count > 300_000)
        let start = ThreadCPUClock()
        var message = ""
        do {
            let t = try b.withUnsafeBytes { try GoTrace(bytes: $0) }
            message = t.warnings.joined(separator: "\n")
        } catch {
            message = "\(error)"
        }
        return (message, start.seconds)
    }

    /// Go 1.21 format, 30,000 Ps each waiting for ever on a goroutine never created, beside a P of
    /// 30,000 events that can go: each waiting P is scanned again only when its goroutine changes
    /// (rescanning every P per event released took over 2 minutes at 20,000).
    @Test func v1PsWaitingForEver() throws {
        let r = try Self.read("v1-stuck-ps")
        #expect(r.message.contains("no consistent ordering of events possible"), "\(r.message)")
        #expect(r.seconds < 10)
    }

    /// Go 1.23 format, 30,000 Ms blocked on a goroutine no event knows, each earlier than every event of
    /// an M of 30,000 events; and one such M ahead of 30,000 Ms of one event each. Reordering is
    /// budgeted per generation (sorting and trying every M per event was quadratic: 20,000 took 84 s
    /// and over 120 s).
    @Test(arguments: ["v2-blocked-ms", "v2-head-ms"]) func v2MsBlockedForEver(_ name: String) throws {
        let r = try Self.read(name)
        #expect(
            r.message.contains("no consistent order of events") || r.message.contains("no M can advance"),
            "\(r.message)")
        #expect(r.seconds < 10)
    }

    /// Go 1.21 format, 10,000 goroutines each making a syscall with no later event of theirs, before
    /// 10,000 other events: whether each syscall blocked (its goroutine's next event is GoSysBlock) is
    /// known from one backward pass; looking ahead from each syscall read the rest of the trace each
    /// time. As `go tool trace -d=parsed` (Go 1.27) prints it for 100 goroutines, each is an
    /// instantaneous syscall: Running->Syscall, then Syscall->Running 1 ns later.
    @Test func v1SyscallsWithoutLaterEvents() throws {
        let b = try Self.bytes("v1-syscalls")
        let start = ThreadCPUClock()
        var begins = 0, ends = 0, other = 0
        try b.withUnsafeBytes { raw in
            var r = try GoTraceReader(bytes: raw)
            while let e = try r.next() {
                switch e.type {
                case .goSyscallBegin: begins += 1
                case .goSyscallEnd: ends += 1
                case .goSyscallEndBlocked: other += 1
                default: break
                }
            }
        }
        #expect(begins == 10_000 && ends == 10_000 && other == 0, "\(begins) \(ends) \(other)")
        #expect(start.seconds < 10)
    }
}
