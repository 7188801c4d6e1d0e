import ArgumentParser

struct ScriptCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "script",
        abstract: "One block per sample, like perf script; --json for one object per sample.")

    @Argument(help: "Input files.")
    var inputs: [String] = []

    func run() throws {
        throw UserError("`stackfold script` is not implemented yet")
    }
}
