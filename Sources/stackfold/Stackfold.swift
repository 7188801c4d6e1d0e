import ArgumentParser

@main
struct Stackfold: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stackfold",
        abstract: "Symbolized folded stacks and flame graphs from perf.data, aligned with Go execution traces.",
        subcommands: [
            InfoCommand.self, ScriptCommand.self, CollapseCommand.self, DiffCommand.self,
            FlamegraphCommand.self, Addr2lineCommand.self, GoTraceCommand.self,
            AttributeCommand.self, GCCommand.self,
        ])
}

/// A failure the user should read: printed as `stackfold: message`, exit status 1.
struct UserError: Error, CustomStringConvertible {
    var description: String
    init(_ message: String) { description = message }
}
