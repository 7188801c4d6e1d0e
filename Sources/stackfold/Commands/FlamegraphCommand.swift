import ArgumentParser

struct FlamegraphCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "flamegraph",
        abstract: "An interactive flame graph SVG from folded stacks or perf.data.")

    @Argument(help: "Input files.")
    var inputs: [String] = []

    func run() throws {
        throw UserError("`stackfold flamegraph` is not implemented yet")
    }
}
