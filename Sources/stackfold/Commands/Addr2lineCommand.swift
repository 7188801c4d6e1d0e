import ArgumentParser

struct Addr2lineCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "addr2line",
        abstract: "Function, file and line (with inlined frames) for file addresses of a binary.")

    @Argument(help: "Input files.")
    var inputs: [String] = []

    func run() throws {
        throw UserError("`stackfold addr2line` is not implemented yet")
    }
}
