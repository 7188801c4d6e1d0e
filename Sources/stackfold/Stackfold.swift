import ArgumentParser

#if canImport(Glibc)
import CMalloc
#endif

@main
struct Stackfold: ParsableCommand {
    static func main() {
        keepFreedMemory()
        let arguments = Array(CommandLine.arguments.dropFirst())
        if let topic = unknownHelpTopic(arguments) {
            // ArgumentParser would print the top-level help and exit 0, as if the topic existed.
            let names = configuration.subcommands.compactMap { $0.configuration.commandName }
            printError("Error: help: no command '\(topic)'; commands: \(names.joined(separator: ", "))")
            exit(withError: ExitCode.validationFailure)
        }
        Self.main(arguments)
    }

    /// The first word after `help` that names no subcommand (nil when all do).
    static func unknownHelpTopic(_ arguments: [String]) -> String? {
        guard arguments.first == "help" else { return nil }
        var command: any ParsableCommand.Type = Self.self
        for word in arguments.dropFirst() where !word.hasPrefix("-") {
            guard let sub = command.configuration.subcommands.first(where: { $0.configuration.commandName == word })
            else {
                return word
            }
            command = sub
        }
        return nil
    }

    static let configuration = CommandConfiguration(
        commandName: "stackfold",
        abstract: "Symbolized folded stacks and flame graphs from perf.data, aligned with Go execution traces.",
        version: stackfoldVersion,
        subcommands: [
            InfoCommand.self, ScriptCommand.self, CollapseCommand.self, DiffCommand.self,
            FlamegraphCommand.self, Addr2lineCommand.self, GoTraceCommand.self,
            AttributeCommand.self, GCCommand.self, PprofCommand.self, TopCommand.self,
        ])
}

/// A failure the user should read: printed as `stackfold: message`, exit status 1.
struct UserError: Error, CustomStringConvertible {
    var description: String
    init(_ message: String) { description = message }
}

/// Large arrays (runs, ranges, samples) grow by doubling: by default glibc serves each size with a fresh
/// mmap and gives it back with munmap, so every growth faults its pages in anew; on a big Go trace that
/// was a third of the run in the kernel. Kept in the heap instead, freed blocks are reused.
private func keepFreedMemory() {
    #if canImport(Glibc)
    _ = mallopt(M_MMAP_THRESHOLD, 32 << 20)  // glibc's maximum
    _ = mallopt(M_TRIM_THRESHOLD, 1 << 30)
    _ = mallopt(M_TOP_PAD, 64 << 20)
    #endif
}
