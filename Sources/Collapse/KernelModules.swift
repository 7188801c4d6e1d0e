// Kernel-module frames as perf 6.1 names them (checked against perf script on crafted captures,
// Fixtures/generate-script-kmod.sh): the module's `.ko` (or `.ko.gz`, `.ko.xz`) at its recorded path
// (under --symfs, or in --binaries) names the frames of its `.text` by its own symbols, and kallsyms'
// `[module]` lines are then not used; without the file, kallsyms' symbols of the module name them; else
// `[unknown] ([foo])`.
import BinaryIO
import PerfData
import Symbolize

extension PerfCollapser {
    /// A module's map: a kernel map of a file (perf's `/lib/modules/…/foo.ko`), not `[kernel.kallsyms]`.
    static func isModuleMap(_ m: Mapping) -> Bool { m.isKernel && m.filename.hasPrefix("/") }

    /// The module's `.ko`, found as binaries are (build-id checked when the capture recorded one); nil
    /// when not found. Only a relocatable ELF of the recorded file name is taken: a module has no loadable
    /// segments to check, and another object renamed to it must not name its frames. A `.ko.gz` or
    /// `.ko.xz` is decompressed, as perf 6.1 does (at its recorded path under --symfs, or by build-id).
    mutating func moduleELF(_ m: Mapping) -> ELFFile? {
        let key = Self.imageKey(m)
        if let cached = moduleELFs[key] { return cached }
        var found: ELFFile?
        if m.filename.hasSuffix(".ko.gz") || m.filename.hasSuffix(".ko.xz") {
            for p in sources.options.candidates(path: m.filename, buildID: m.buildID) {
                // Regular files only (a FIFO would block), then their decompressed bytes.
                guard (try? MappedFile(path: p, regularOnly: true)) != nil, let f = try? openInput(p),
                      let elf = try? ELFFile(file: f), elf.type == 1 else { continue }
                if let want = m.buildID, elf.buildID != want {
                    warn(.buildIDMismatch(path: p, found: elf.buildID), for: m)
                    continue
                }
                found = elf
                break
            }
        } else {
            let want = basename(m.filename)
            let r = sources.binary(path: m.filename, buildID: m.buildID) { $0.type == 1 && basename($0.path) == want }
            for note in r.notes {
                if case .layoutMismatch = note { continue }  // another file of that name: not a module, not used
                warn(note, for: m)
            }
            found = r.image.flatMap { $0.elf.type == 1 ? $0.elf : nil }
        }
        moduleELFs[key] = .some(found)
        return found
    }

    /// A module frame's symbol: from its `.ko`, else from kallsyms' lines of the module; when neither names
    /// it, one warning per module says what to pass (perf prints `[unknown] ([foo])` and says nothing).
    mutating func moduleFrameSymbol(_ address: UInt64, mapping m: Mapping) -> (name: String, offset: UInt64)? {
        if let fromFile = moduleSymbol(address, mapping: m) { return fromFile }
        if let k = kallsymsSymbol(address, mapping: m) { return k }
        if warnedModules.insert(m.filename).inserted {
            let file = NameLimit.limited(m.filename)
            let dir = file.split(separator: "/").dropLast().joined(separator: "/")
            warnings.append("kernel module frames of \(perfDSOName(m)) stay [unknown]: \(file) was not found and "
                + "kallsyms names none of them; pass --symfs with a folder holding \(dir)/, or --kallsyms with a copy "
                + "of /proc/kallsyms from the recording machine while the module was loaded")
        }
        return nil
    }

    /// The symbol of the module's `.ko` holding `address`: `.text` symbols only, whose values are offsets
    /// from the module's map start (perf maps `.text` there: its map_ip and the sh_offset it adds to both
    /// sides cancel). `.some(nil)`: the file is there but names nothing at `address` (perf's `[unknown]`:
    /// kallsyms is not asked then); nil: no file.
    mutating func moduleSymbol(_ address: UInt64, mapping m: Mapping) -> (name: String, offset: UInt64)?? {
        guard let elf = moduleELF(m) else { return nil }
        let a = address &- m.start
        guard let s = elf.perfSymbol(at: a, moduleText: true) else { return .some(nil) }
        return (s.name, a &- s.start)
    }
}
