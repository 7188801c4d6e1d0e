import ArgumentParser

// Options that do not apply to the input given are errors (issue 18), as gc's are: a perf.data option on
// folded stacks or perf script text changes nothing, and exit 0 would say it did.

/// One line naming the input, the option and what to do; exit status 64, as a usage error.
func inapplicable(_ path: String, _ option: String, _ why: String) -> ExitCode {
    printError("stackfold: \(displayName(path)): \(option) \(why)")
    return ExitCode.validationFailure
}

extension PerfSymbolOptions {
    /// The perf.data-only options given, by flag name. --no-debuginfod is not among them: it only turns
    /// a network lookup off, and is often set for every run.
    var given: [String] {
        var out: [String] = []
        let flags: [(Bool, String)] = [
            (noInline, "--no-inline"), (annotateInline, "--annotate-inline"), (rawNames, "--raw-names"),
            (elfNames, "--elf-names"), (keepWrappers, "--keep-wrappers"), (srcline, "--srcline"),
            (asRecorded, "--as-recorded"), (countSamples, "--count-samples"), (noDebugFile, "--no-debug-file"),
            (symfs != nil, "--symfs"), (!buildIDDirs.isEmpty, "--build-id-dir"), (!binaryDirs.isEmpty, "--binaries"),
            (!debuginfodURLs.isEmpty, "--debuginfod"), (debuginfodTimeout != nil, "--debuginfod-timeout"),
            (kallsyms != nil, "--kallsyms"), (!onlyPIDs.isEmpty, "--only-pid"), (!onlyTIDs.isEmpty, "--only-tid"),
            (!onlyComms.isEmpty, "--only-comm"), (!onlyCPUs.isEmpty, "--only-cpu"), (time != nil, "--time"),
        ]
        for (set, name) in flags where set { out.append(name) }
        return out
    }

    /// The error for perf.data options given with an input that is not perf.data (`what`: what it is);
    /// `using`: those the text path reads too (collapse --inline finds binaries by --symfs and --binaries).
    func rejectOnText(_ path: String, _ what: String, using: Set<String> = []) throws {
        guard let first = given.first(where: { !using.contains($0) }) else { return }
        throw inapplicable(
            path, first, "applies to perf.data captures only, and \(what): drop it, or pass the perf.data")
    }
}

/// One line naming the option and why it does not apply to the other options given; exit status 64.
/// Thrown from `validate()`: ArgumentParser prints nothing more for an ExitCode.
func notApplicable(_ option: String, _ why: String) -> ExitCode {
    printError("stackfold: \(option) \(why)")
    return ExitCode.validationFailure
}

extension FlameGraphStyleOptions {
    /// The drawing options given, by flag name: those whose value is not the declared default (an
    /// option given its default value changes nothing either). Keep in step with the declarations.
    var given: [String] {
        let set: [(Bool, String)] = [
            (title != "Flame Graph", "--title"), (!subtitle.isEmpty, "--subtitle"), (width != 1200, "--width"),
            (height != 16, "--height"), (fonttype != "Verdana", "--fonttype"), (fontsize != 12, "--fontsize"),
            (fontwidth != 0.59, "--fontwidth"), (minwidth != "0.1", "--minwidth"),
            (countname != "samples", "--countname"),
            (nametype != "Function:", "--nametype"), (nameattr != nil, "--nameattr"), (!notes.isEmpty, "--notes"),
            (factor != 1, "--factor"), (total != nil, "--total"), (colors != "hot", "--colors"),
            (bgcolors != nil, "--bgcolors"), (hash, "--hash"), (random, "--random"), (cp, "--cp"),
            (paletteFile != nil, "--palette-file"), (reverse, "--reverse"), (inverted, "--inverted"),
            (flamechart, "--flamechart"), (negate, "--negate"), (searchColor != "rgb(230,0,230)", "--search-color"),
        ]
        return set.filter(\.0).map(\.1)
    }
}
