import BinaryIO

/// Frame filters over folded stacks, named as in Go's pprof: `focus` keeps stacks with a frame matching
/// any of its patterns, `ignore` drops stacks with such a frame, `hide` removes matching frames from
/// stacks (their callers and callees stay). Patterns are regular expressions searched in each frame name,
/// including the root (process) frame. Matching runs once per unique frame name.
public struct FoldedFilter {
    public var focus: [Regex<AnyRegexOutput>] = []
    public var ignore: [Regex<AnyRegexOutput>] = []
    public var hide: [Regex<AnyRegexOutput>] = []

    public init() {}

    /// Compiles patterns; a bad one is reported with its text.
    public init(focus: [String], ignore: [String], hide: [String]) throws(FilterError) {
        func compile(_ ps: [String], _ flag: String) throws(FilterError) -> [Regex<AnyRegexOutput>] {
            var out: [Regex<AnyRegexOutput>] = []
            for p in ps {
                do { out.append(try Regex(p)) } catch {
                    throw FilterError(description: "--\(flag) \(p): not a regular expression (\(error))")
                }
            }
            return out
        }
        self.focus = try compile(focus, "focus")
        self.ignore = try compile(ignore, "ignore")
        self.hide = try compile(hide, "hide")
    }

    public var isEmpty: Bool { focus.isEmpty && ignore.isEmpty && hide.isEmpty }

    struct Flags { var focus = false, ignore = false, hide = false }

    /// Filters `stack count` (or `stack count1 count2`) lines and merges stacks that became equal; sorted output.
    public func apply(_ folded: [UInt8]) -> [UInt8] {
        if isEmpty { return folded }
        var flags: [Substring: Flags] = [:]
        func flagsFor(_ frame: Substring) -> Flags {
            if let f = flags[frame] { return f }
            let s = String(frame)
            let f = Flags(focus: focus.contains { s.contains($0) },
                          ignore: ignore.contains { s.contains($0) },
                          hide: hide.contains { s.contains($0) })
            flags[frame] = f
            return f
        }
        var merged: [String: [UInt64]] = [:]
        let text = String(decoding: folded, as: UTF8.self)
        for line in text.split(separator: "\n") {
            // One or two trailing counts.
            var fields = line.split(separator: " ", omittingEmptySubsequences: false)
            var counts: [UInt64] = []
            while counts.count < 2, fields.count > 1, let v = UInt64(fields.last!) {
                counts.insert(v, at: 0)
                fields.removeLast()
            }
            guard !counts.isEmpty else { continue }
            let stack = fields.joined(separator: " ")
            let frames = stack.split(separator: ";", omittingEmptySubsequences: false)
            var focused = focus.isEmpty
            var ignored = false
            var kept: [Substring] = []
            for f in frames {
                let fl = flagsFor(f)
                if fl.focus { focused = true }
                if fl.ignore { ignored = true; break }
                if !fl.hide { kept.append(f) }
            }
            guard focused, !ignored, !kept.isEmpty else { continue }
            let key = kept.joined(separator: ";")
            var acc = merged[key] ?? Array(repeating: 0, count: counts.count)
            for (i, c) in counts.enumerated() where i < acc.count { acc[i] &+= c }
            merged[key] = acc
        }
        var out: [UInt8] = []
        for (k, v) in merged.sorted(by: { utf8Less($0.key, $1.key) }) {
            out.append(contentsOf: Array(k.utf8))
            for c in v {
                out.append(0x20)
                appendDecimal(c, to: &out)
            }
            out.append(0x0a)
        }
        return out
    }
}

public struct FilterError: Error, CustomStringConvertible {
    public var description: String
}
