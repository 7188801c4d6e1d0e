import ArgumentParser
import BinaryIO

#if canImport(Glibc)
import Glibc
#endif

/// Where a command writes: standard output, or `-o FILE` through a temporary file renamed into place
/// when the command succeeds, so a failed run never leaves half a file under the name asked for.
final class OutputFile {
    let path: String?
    let fd: Int32
    private let tmp: String
    private var committed = false

    init(_ path: String?) throws {
        self.path = path
        guard let path, path != "-" else { fd = 1; tmp = ""; return }
        tmp = path + ".tmp\(getpid())"
        fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        if fd < 0 { throw UserError("\(path): \(String(cString: strerror(errno)))") }
    }

    /// A buffer writing to this destination.
    func buffer() -> OutputBuffer { OutputBuffer(fd: fd) }

    /// Renames the finished file into place (call after the last flush).
    func commit() throws {
        guard fd != 1, !committed else { return }
        committed = true
        let failed = close(fd) != 0
        if failed || rename(tmp, path!) != 0 {
            let e = errno
            unlink(tmp)
            throw UserError("\(path!): \(String(cString: strerror(e)))")
        }
    }

    deinit {
        if fd != 1, !committed { close(fd); unlink(tmp) }
    }
}

/// Runs `write` into a buffer for `path` (standard output when nil or `-`), with a progress line while it
/// reads `inputs`, then puts the file in place: a failed `write` leaves no file.
func writeOutput(to path: String?, reading inputs: [String], _ write: (inout OutputBuffer) throws -> Void) throws {
    let dest = try OutputFile(path)
    do {
        let progress = Progress.start(reading: inputs, outputFile: path)
        defer { progress?.stop() }
        var out = dest.buffer()
        defer { out.flush() }
        try write(&out)
    }
    try dest.commit()
}

/// The option every command that writes takes.
struct OutputOption: ParsableArguments {
    @Option(name: .shortAndLong, help: Self.help) var output: String?

    /// Shared with the commands that declare `-o` themselves (collapse) instead of taking this group.
    static let help = ArgumentHelp("Write the output to this file instead of standard output.", valueName: "file")
}

/// Standard input as the only input while it is a terminal: nothing would come, so the command's usage is
/// shown instead of waiting silently.
func requireInput(_ input: String, _ command: any ParsableCommand.Type) throws {
    guard input == "-", isatty(0) == 1 else { return }
    throw ValidationError(
        "no input: pass a file, or pipe one in (perf script | stackfold \(command.configuration.commandName ?? ""))")
}
