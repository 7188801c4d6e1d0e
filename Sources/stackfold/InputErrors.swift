import ArgumentParser
import BinaryIO

#if canImport(Glibc)
import Glibc
#endif

/// How messages name an input path: `-` is standard input.
func displayName(_ path: String) -> String { path == "-" ? "<stdin>" : path }

/// Input that is not what the command reads: one line naming it and saying what to pass, exit status 2
/// (as flamegraph.pl's for no valid input). Never an output that looks like a result.
func unreadableInput(_ path: String, _ why: String) -> ExitCode {
    printError("stackfold: \(displayName(path)): \(why)")
    return ExitCode(2)
}

/// Binary data: NUL bytes in the first 64 KiB. Text inputs (folded stacks, perf script output) have none.
func looksBinary(_ bytes: UnsafeRawBufferPointer) -> Bool {
    UnsafeRawBufferPointer(rebasing: bytes.prefix(65_536)).contains(0)
}

/// What the commands accept, for the messages.
let textInputHint = "pass perf.data or folded stacks (gzip, zstd or xz compressed ones too)"
let collapseInputHint = "pass perf.data or `perf script` output (gzip, zstd or xz compressed ones too)"

/// Whether two paths name the same existing file (same device and inode).
func sameFile(_ a: String, _ b: String) -> Bool {
    var x = stat(), y = stat()
    guard stat(a, &x) == 0, stat(b, &y) == 0 else { return false }
    return x.st_dev == y.st_dev && x.st_ino == y.st_ino
}
