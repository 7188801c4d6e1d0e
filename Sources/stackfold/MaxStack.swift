// FoundationEssentials, not Foundation: the binary then loads neither Foundation nor ICU (start-up cost).
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// perf script's default --max-stack: this machine's kernel.perf_event_max_stack (perf's sysctl__max_stack),
/// else the kernel's default, 127.
func systemMaxStack() -> Int {
    guard let text = try? String(contentsOfFile: "/proc/sys/kernel/perf_event_max_stack", encoding: .utf8),
          let n = Int(trimmed(text.prefix(32))), n >= 0 else { return 127 }
    return n
}

/// `s` without leading and trailing white space and newlines.
private func trimmed(_ s: Substring) -> Substring {
    let start = s.firstIndex { !$0.isWhitespace } ?? s.endIndex
    let end = s.lastIndex { !$0.isWhitespace }.map { s.index(after: $0) } ?? start
    return start < end ? s[start..<end] : s[start..<start]
}
