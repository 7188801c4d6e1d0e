import ArgumentParser
import BinaryIO
import Pprof

/// `--sample-index`, for every command that reads pprof profiles.
struct SampleIndexOption: ParsableArguments {
    @Option(name: .customLong("sample-index"), help: Self.help) var sampleIndex: String?

    /// Shared with the commands that declare `--sample-index` themselves (collapse).
    static let help = ArgumentHelp(
        "pprof input: the sample type to use, by index (from 0) or name, as go tool pprof -sample_index (default: the profile's default_sample_type, else its last type).",
        valueName: "type")

    /// An error for an input this option does not apply to.
    func rejectUnless(pprof: Bool, _ path: String) throws {
        if let sampleIndex, !pprof {
            throw UserError("--sample-index \(sampleIndex): \(displayName(path)) is not a pprof profile; the option chooses a pprof sample type")
        }
    }
}

/// A pprof profile, or a damaged one (read as one, to say what is wrong with it).
func isPprof(_ file: MappedFile) -> Bool { PprofProfile.looksLikeProfile(file.bytes) }

/// The profile in `file`, or the error naming the input (exit status 2, as other unreadable inputs).
func readPprof(_ file: MappedFile, _ path: String) throws -> PprofProfile {
    do { return try PprofProfile(bytes: file.bytes, path: displayName(path)) } catch {
        throw unreadableInput(path, error.message)
    }
}

/// The stacks of the chosen sample type, with a warning naming the type when there are several (as
/// collapse names the event it folded).
func pprofStacks(_ p: PprofProfile, _ path: String, _ option: SampleIndexOption) throws -> WeightedStacks {
    let i: Int
    do { i = try p.sampleIndex(option.sampleIndex) } catch { throw UserError(error.description) }
    let name = displayName(path)
    if p.sampleTypes.count > 1, option.sampleIndex == nil {
        let all = p.sampleTypes.map(\.description).joined(separator: ", ")
        printError("stackfold: \(name): sample type \(p.sampleTypes[i]) of \(all); pass --sample-index TYPE for another")
    }
    if p.unsymbolizedLocations > 0 {
        printError("stackfold: warning: \(name): \(p.unsymbolizedLocations) locations have no function names (the profile is not symbolized); they show as the binary's name. Symbolize it first: go tool pprof -proto -symbolize=local … > symbolized.pb.gz")
    }
    return p.stacks(index: i)
}

/// Folded stacks of a pprof profile: fails when no sample has a positive value of the chosen type.
func pprofFolded(_ file: MappedFile, _ path: String, _ option: SampleIndexOption) throws -> [UInt8] {
    try pprofFolded(readPprof(file, path), path, option)
}

func pprofFolded(_ p: PprofProfile, _ path: String, _ option: SampleIndexOption) throws -> [UInt8] {
    let s = try pprofStacks(p, path, option)
    let (text, negative) = s.folded()
    let name = displayName(path)
    if negative > 0 {
        printError("stackfold: warning: \(name): \(negative) samples with negative \(s.valueType.type) values (a difference of profiles?) left out: folded stacks hold only positive counts")
    }
    if text.isEmpty {
        throw unreadableInput(path, "pprof profile with no sample of positive \(s.valueType.type) value (\(p.sampleCount) samples); pass --sample-index for another type")
    }
    return text
}
