import ArgumentParser

#if canImport(Glibc)
import CMalloc
import Glibc
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
        // STACKFOLD_PARSE_FROM_ROOT: the library's whole parse only (scripts/cli-test.sh compares the two).
        if getenv("STACKFOLD_PARSE_FROM_ROOT") == nil {
            switch parsedSubcommand(arguments) {
            case .parsed(var command):
                do { try command.run() } catch { exit(withError: error) }
                return
            case .refused(let code):
                exit(withError: code)
            case .notParsed:
                break
            }
        }
        Self.main(arguments)
    }

    /// What parsing `arguments` as their subcommand's own found.
    enum SubcommandParse {
        case parsed(ParsableCommand)
        /// A `validate()` refused the options: it has printed why, and the whole parse would reach the
        /// same `validate()` and print it again.
        case refused(ExitCode)
        /// No subcommand, another command, or any other error: left to the whole parse.
        case notParsed
    }

    /// `arguments` parsed by the subcommand they start with, as its own root. Anything but a parse into
    /// that command or a refusal by its `validate()` goes through `main(_:)`, so that help, `--version`,
    /// completion scripts and every parse error keep the library's own output.
    ///
    /// Why: parsing from the root costs ~4.5 M instructions more than the subcommand alone (a fifth of a
    /// small capture's run): the library builds the subcommand's argument set three more times for its
    /// passthrough checks, and parses two internal commands for `--generate-completion-script`, each
    /// build reflecting every option and paying first-time protocol conformance scans
    /// (docs/performance.md, "Argument parsing from the subcommand").
    static func parsedSubcommand(_ arguments: [String]) -> SubcommandParse {
        guard let name = arguments.first,
              let sub = configuration.subcommands.first(where: { $0.configuration.commandName == name })
        else { return .notParsed }
        do {
            let command = try sub.parseAsRoot(Array(arguments.dropFirst()))
            return type(of: command) == sub ? .parsed(command) : .notParsed
        } catch {
            // The library wraps what `validate()` throws. An ExitCode has no message: ours are thrown after
            // printing one (`notApplicable`, `inapplicable`).
            if sub.message(for: error).isEmpty { return .refused(sub.exitCode(for: error)) }
            return .notParsed
        }
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

extension CommandConfiguration {
    /// A subcommand's configuration, marked as run under `stackfold` (the library's `_superCommandName`):
    /// parsed as its own root by `Stackfold.parsedSubcommand`, the library then skips its check for
    /// `--generate-completion-script` (0.8 M instructions), which the full parse still makes. Under
    /// `Stackfold` it changes nothing: the library reads it only from the root of the command stack.
    static func subcommand(_ configuration: CommandConfiguration) -> CommandConfiguration {
        var c = configuration
        c._superCommandName = "stackfold"
        return c
    }
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
