import ArgumentParser

struct AttributeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "attribute",
        abstract: "Each perf sample with its goroutine and GC state from a Go trace.")

    @Argument(help: "Input files.")
    var inputs: [String] = []

    func run() throws {
        throw UserError("`stackfold attribute` is not implemented yet")
    }
}
