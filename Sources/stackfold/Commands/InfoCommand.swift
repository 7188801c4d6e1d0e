import ArgumentParser

struct InfoCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "info",
        abstract: "What perf report --header-only tells, plus record counts, lost samples, time span and clock.")

    @Argument(help: "Input files.")
    var inputs: [String] = []

    func run() throws {
        throw UserError("`stackfold info` is not implemented yet")
    }
}
