import Foundation
import GoTrace
import Testing

@Suite struct BadInputTests {
    static func bytes(_ name: String) throws -> [UInt8] {
        Array(try Data(contentsOf: AgainstGoTests.dir.appendingPathComponent("\(name).trace")))
    }

    @Test func notATrace() {
        let junk = Array("PERFILE2 and more bytes".utf8)
        #expect(throws: GoTraceError.self) { try junk.withUnsafeBytes { try GoTrace(bytes: $0) } }
        do { _ = try junk.withUnsafeBytes { try GoTrace(bytes: $0) } } catch {
            #expect("\(error)".contains("offset 0"))
            #expect("\(error)".contains("go 1.NN trace"))
        }
    }

    /// A trace cut mid-write (the program killed) keeps its complete generations and warns.
    @Test(arguments: ["go1.21-fp-mono", "go1.23-fp-mono", "go1.25-fp-mono", "go1.27-fp-mono"])
    func truncatedTraceKeepsCompleteGenerations(_ name: String) throws {
        let full = try Self.bytes(name)
        let whole = try full.withUnsafeBytes { try GoTrace(bytes: $0) }
        #expect(whole.generations >= 1)
        for fraction in [0.3, 0.6, 0.9] {
            let cut = Array(full.prefix(Int(Double(full.count) * fraction)))
            do {
                let t = try cut.withUnsafeBytes { try GoTrace(bytes: $0) }
                #expect(!t.warnings.isEmpty, "\(name) cut at \(fraction): a warning")
                // Once, not once per look at the end of the trace.
                #expect(Set(t.warnings).count == t.warnings.count, "\(name) cut at \(fraction): \(t.warnings)")
                // What was read is a prefix of the whole trace's ranges.
                let complete = t.ranges.filter { r in whole.ranges.contains(r) }
                #expect(complete.count >= t.ranges.count - 64)
            } catch {
                // Cut inside the first generation: nothing complete to keep, and the error says where.
                #expect("\(error)".contains("offset"))
            }
        }
    }

    /// A Go 1.21 trace keeps its clock frequency in a footer written when tracing stops (then the stack
    /// table). Cut inside that table, every event is read and a warning names the cut; cut before the
    /// frequency, nothing has a time: an error names the offset where reading stopped.
    @Test(arguments: ["go1.21-fp-mono", "go1.21-tasks"])
    func truncatedV1Trace(_ name: String) throws {
        let full = try Self.bytes(name)
        let whole = try full.withUnsafeBytes { try GoTrace(bytes: $0, keepParsedLines: true) }
        var kept = 0, refused = 0
        for fraction in [0.3, 0.6, 0.9, 0.995, 0.999] {
            let n = Int(Double(full.count) * fraction)
            let cut = Array(full.prefix(n))
            do {
                let t = try cut.withUnsafeBytes { try GoTrace(bytes: $0, keepParsedLines: true) }
                kept += 1
                #expect(t.warnings.contains { $0.contains("truncated") }, "\(name) cut at \(n): \(t.warnings)")
                #expect(t.parsedLines == whole.parsedLines && t.ranges == whole.ranges && t.runs == whole.runs)
            } catch {
                refused += 1
                let e = try #require(error as? GoTraceError)
                #expect(e.offset <= n && e.message.contains("frequency"), "\(name) cut at \(n): \(e)")
            }
        }
        #expect(kept > 0 && refused > 0, "\(name): kept \(kept), refused \(refused)")
    }

    /// Random byte flips never crash or hang the reader: a result or an error with an offset.
    @Test(arguments: ["go1.25-fp-mono", "go1.21-tasks"])
    func mutatedTracesNeverTrap(_ name: String) throws {
        let original = try Self.bytes(name)
        var rng = SystemRandomNumberGenerator()
        for _ in 0..<40 {
            var b = original
            for _ in 0..<Int.random(in: 1...8, using: &rng) {
                b[Int.random(in: 16..<b.count, using: &rng)] = UInt8.random(in: 0...255, using: &rng)
            }
            do { _ = try b.withUnsafeBytes { try GoTrace(bytes: $0) } } catch {
                #expect("\(error)".hasPrefix("offset "))
            }
        }
    }

    /// Inputs the fuzzer (scripts/fuzz.sh gotrace) found trapping the reader, kept as regressions.
    @Test(arguments: [
        // Varints near 2^64 as batch sizes and timestamps.
        "Z28gMS4yMyB0cmFjZQAAfgEB//////////8Bo7zco7zc8twKhYCAgICAgICAAAio1rkAKy4=",
        "Z28gMS4yMyB0cmFjZQAAAQH///////////8Bo7zc8twKhYCAgICAgICAAAio1rkHAfZzZWZlQrYAdeAELSsQmQgBBhUTCgkgLiBvIMIgIQYVEwoJIC4gbyDCIGcQY8gA6SUOuAABAf///////////wGjvNzy3AqFgICAgICAgIAACKjWuQcB9nNlZmVCtgB14AQtKxCZCAEGFRMKCSAuIG8gwiAhBhUTCgkgLiBvIMIgZxBjyADpJQ64/w==",
        // Go 1.21: a UserLog value length near 2^64 in the first pass (skipped, not yet bounded).
        "Z28gMS4yMSB0cmFjZQAAAEEA3Km+h9UHZgQcDwNmBB2nBh4ZD5IBZgYepwsVGg8IZggVpwsBGw8G8GYE2QKAwIYCYdYCgICHAmHkA4DAhwJh+QOAgIgCYd8CgMCIAmFh3AKAwIsCa8ECEkmc6wYBYW+42JIB1QQZAwIACBRiB/iLsgKESgIUCvwZLLgD//////////////////////////////////////8BAAAAAAAAdYCAgICAgIAAGQPE55yBqQIIBpwB",
    ])
    func fuzzerFindingsAreErrorsOrWarnings(_ base64: String) throws {
        let b = try #require(Data(base64Encoded: base64))
        do { _ = try Array(b).withUnsafeBytes { try GoTrace(bytes: $0, keepParsedLines: true) } } catch {
            #expect("\(error)".hasPrefix("offset "))
        }
    }
}
