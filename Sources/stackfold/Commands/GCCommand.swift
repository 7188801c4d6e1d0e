import ArgumentParser

struct GCCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gc",
        abstract: "GC pauses cross-located with CPU samples.")

    @Argument(help: "Input files.")
    var inputs: [String] = []

    func run() throws {
        throw UserError("`stackfold gc` is not implemented yet")
    }
}
