import ArgumentParser

struct CollapseCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "collapse",
        abstract: "Folded stacks from perf.data or perf script text.")

    @Argument(help: "Input files.")
    var inputs: [String] = []

    func run() throws {
        throw UserError("`stackfold collapse` is not implemented yet")
    }
}
