import Foundation

/// perf script's default --max-stack: this machine's kernel.perf_event_max_stack (perf's sysctl__max_stack),
/// else the kernel's default, 127.
func systemMaxStack() -> Int {
    guard let text = try? String(contentsOfFile: "/proc/sys/kernel/perf_event_max_stack", encoding: .utf8),
          let n = Int(text.prefix(32).trimmingCharacters(in: .whitespacesAndNewlines)), n >= 0 else { return 127 }
    return n
}
