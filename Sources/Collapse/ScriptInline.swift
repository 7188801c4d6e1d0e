import BinaryIO
import Symbolize

#if canImport(Glibc)
import Glibc
#endif

/// stackcollapse-perf.pl's `--inline` and `--context` for `perf script` text: a frame of a binary is
/// replaced by its inlined chain, root first (`--context` adds `:file:line`, file as a base name, as
/// `addr2line -s`). The Perl script runs addr2line on the address printed; perf prints a user binary's
/// addresses relative to its mapping (the file offset), which addr2line reads as a virtual address, so
/// for an executable it answers `??`. Here the offset is mapped to the ELF's virtual address first.
/// Frames after the leaf are return addresses: looked up one byte back (as perf, pprof and Go's
/// tracebacks do), so that the chain is the call's, not the next line's.
public final class ScriptInlineLookup {
    /// Looked up as `symfs + path` when set (confined to it), else the path as printed.
    let symfs: String?
    /// Folders searched by the binary's base name when its path does not exist here.
    let folders: [String]
    let context: Bool
    var images: [String: BinaryImage?] = [:]
    /// Binaries not found or not matching perf's symbol, each warned once.
    public private(set) var warnings: [String] = []
    var warned: Set<String> = []

    public init(symfs: String?, folders: [String], context: Bool) {
        (self.symfs, self.folders, self.context) = (symfs, folders, context)
    }

    /// Whether the Perl script un-inlines frames of `module`: not JIT maps, the kernel or `[vdso]`-like names.
    static func eligible(_ module: [UInt8]) -> Bool {
        let m = String(decoding: module, as: UTF8.self)
        if m.hasPrefix("[") || m.contains("kernel.") { return false }
        if let r = m.firstRange(of: "perf-"), m.hasSuffix(".map"), m[r.upperBound...].dropLast(4).allSatisfy(\.isNumber) { return false }
        return true
    }

    /// The frame's names root first, or nil (the frame is then named from perf's text, as without
    /// `--inline`): a binary not found, an address outside it, or a function other than perf's `symbol`
    /// (another build of the binary).
    func names(pc: [UInt8], module: [UInt8], symbol: [UInt8], leaf: Bool) -> [[UInt8]]? {
        let path = String(decoding: module, as: UTF8.self)
        guard let offset = UInt64(String(decoding: pc, as: UTF8.self), radix: 16), let img = image(path) else { return nil }
        guard let vaddr = img.elf.virtualAddress(ofFileOffset: offset) else {
            warn(path, "\(path): address 0x\(String(offset, radix: 16)) is outside the binary found; frames named from perf script's text")
            return nil
        }
        let perfName = String(decoding: symbol, as: UTF8.self)
        func agrees(_ frames: [SourceFrame]) -> Bool {
            guard let outer = frames.last else { return false }
            return perfName.isEmpty || perfName == "[unknown]" || perfName == outer.function || perfName.hasPrefix(outer.function)
        }
        // A signal frame's "return address" is the start of the signal trampoline, not past a call: when
        // the byte before names another function than perf does, the address itself is the one.
        var frames = img.frames(at: leaf || vaddr == 0 ? vaddr : vaddr - 1)
        if !leaf, !agrees(frames) { frames = img.frames(at: vaddr) }
        guard agrees(frames), let outer = frames.last else {
            let found = frames.last?.function ?? "nothing"
            warn(path, "\(path): the binary found names 0x\(String(offset, radix: 16)) \(found), perf script \(perfName): not the binary recorded; its frames are named from perf script's text")
            return nil
        }
        _ = outer
        return frames.reversed().map { f in
            var n = Array(f.function.utf8)
            if context {
                let file = f.file.split(separator: "/").last.map(String.init) ?? f.file
                n += Array(":\(file):\(f.line)".utf8)
            }
            for k in n.indices where n[k] == 0x3b { n[k] = 0x3a }
            return n
        }
    }

    func warn(_ key: String, _ message: String) {
        if warned.insert(key).inserted { warnings.append(message) }
    }

    func image(_ path: String) -> BinaryImage? {
        if let cached = images[path] { return cached }
        var candidates: [String] = []
        if let symfs {
            if let p = ConfinedPath.join(root: symfs, path) { candidates.append(p) }
        } else {
            candidates.append(ConfinedPath.normalise(path))
        }
        let base = path.split(separator: "/").last.map(String.init) ?? path
        if ConfinedPath.isBaseName(base) {
            for f in folders { if let p = ConfinedPath.join(root: f, base) { candidates.append(p) } }
        }
        var found: BinaryImage?
        for c in candidates where isRegularFile(c) {
            if let img = try? BinaryImage(path: c) { found = img; break }
        }
        if found == nil { warn(path, "\(path): binary not found (pass --symfs or --binaries); its frames are named from perf script's text, not un-inlined") }
        images[path] = found
        return found
    }

    func isRegularFile(_ path: String) -> Bool {
        var st = stat()
        return stat(path, &st) == 0 && (st.st_mode & S_IFMT) == S_IFREG
    }
}
