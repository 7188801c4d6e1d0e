import ArgumentParser

struct GoTraceCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gotrace",
        abstract: "Summary of a Go execution trace: GC, stop-the-world pauses, assists.")

    @Argument(help: "Input files.")
    var inputs: [String] = []

    func run() throws {
        throw UserError("`stackfold gotrace` is not implemented yet")
    }
}
