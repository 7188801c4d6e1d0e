#if canImport(Glibc)
import BinaryIO
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Where a binary's separate debug file (`objcopy --only-keep-debug`, Debian's -dbg/-dbgsym packages,
/// perf's cache) is looked for, in gdb's and perf's order: by build-id in `.build-id/ab/cdef….debug`
/// folders, then by the binary's `.gnu_debuglink` name beside it, in its `.debug/` folder and under
/// the global debug folders.
public struct DebugFileSearch: Sendable {
    /// Folders holding `.build-id/ab/cdef….debug`, or perf's cache layout `.build-id/ab/cdef…/debug`.
    public var buildIDDirs: [String]
    /// Debug files already known by build-id (e.g. found by scanning `--binaries` folders).
    public var byBuildID: [String: String]
    /// Global folders for `.gnu_debuglink`: `DIR/<binary's folder>/<name>` (gdb's `/usr/lib/debug`).
    public var globalDirs: [String]
    /// A prefix of the binary's path (perf's --symfs) left out of `<binary's folder>` under `globalDirs`.
    public var root: String?

    public init(
        buildIDDirs: [String] = [], byBuildID: [String: String] = [:], globalDirs: [String] = [], root: String? = nil
    ) {
        self.buildIDDirs = buildIDDirs
        self.byBuildID = byBuildID
        self.globalDirs = globalDirs
        self.root = root
    }

    /// The debug file of `binary`, and why candidates that exist were refused (a build-id other than the
    /// binary's, a CRC32 other than its `.gnu_debuglink`'s, unreadable). Nil when none was found.
    /// `path` when it is not under `root`, or its real path stays inside `root` (a copied root's
    /// symlinks must not lead out of it); nil otherwise.
    func underRoot(_ path: String) -> String? {
        guard let root, !root.isEmpty, path.hasPrefix(root) else { return path }
        return ConfinedPath.join(root: root, String(path.dropFirst(root.count)))
    }

    public func find(for binary: ELFFile) -> (file: ELFFile?, warnings: [String]) {
        var warnings: [String] = []
        var tried: Set<String> = [binary.path]
        func open(_ path: String) -> ELFFile? {
            guard tried.insert(path).inserted, access(path, F_OK) == 0 else { return nil }
            do {
                let f = try ELFFile(path: path)
                return f.hasDebugInfo ? f : nil
            } catch {
                warnings.append("\(path): not used as the debug file of \(binary.path): \(error)")
                return nil
            }
        }
        /// Refuses a debug file of another build (its symbols would name the binary's code wrongly).
        func sameBuild(_ f: ELFFile) -> Bool {
            guard let want = binary.buildID, f.buildID != want else { return true }
            let have = f.buildID.map { "build-id \($0)" } ?? "no build-id"
            warnings.append(
                "\(f.path): \(have) does not match the build-id \(want) of \(binary.path); not used as its debug file")
            return false
        }
        if let id = binary.buildID, ConfinedPath.isBuildID(id) {
            let head = String(id.prefix(2)), tail = String(id.dropFirst(2))
            var paths: [String] = []
            for d in buildIDDirs {
                paths += ["\(d)/.build-id/\(head)/\(tail).debug", "\(d)/.build-id/\(head)/\(tail)/debug"].compactMap(
                    underRoot)
            }
            if let p = byBuildID[id] { paths.append(p) }
            for p in paths {
                if let f = open(p), sameBuild(f) { return (f, warnings) }
            }
        }
        if let link = binary.debugLink, !ConfinedPath.isBaseName(link.name) {
            warnings.append(
                "\(binary.path): .gnu_debuglink name \"\(TerminalText.escape(link.name))\" is not a file name (has / or is ..); not looked for"
            )
        } else if let link = binary.debugLink {
            let dir = binary.path.lastIndex(of: "/").map { String(binary.path[..<$0]) } ?? "."
            var original = dir
            if let root, !root.isEmpty, original.hasPrefix(root) { original.removeFirst(root.count) }
            if !original.hasPrefix("/") { original = "/" + original }
            var paths = ["\(dir)/\(link.name)", "\(dir)/.debug/\(link.name)"].compactMap(underRoot)
            // The binary's folder comes from the capture: kept inside each global folder.
            for g in globalDirs {
                if let p = ConfinedPath.join(root: g, original + "/" + link.name) { paths.append(p) }
            }
            for p in paths {
                guard let f = open(p), sameBuild(f) else { continue }
                let crc = crc32(f.file.bytes)
                guard crc == link.crc else {
                    warnings.append(
                        "\(p): CRC32 0x\(String(crc, radix: 16)) does not match the .gnu_debuglink CRC32 0x\(String(link.crc, radix: 16)) of \(binary.path); not used as its debug file"
                    )
                    continue
                }
                return (f, warnings)
            }
        }
        return (nil, warnings)
    }
}

extension ELFFile {
    /// Whether the file has what a debug file brings: `.symtab` and/or DWARF.
    public var hasDebugInfo: Bool { hasSymtab || hasDWARF }
    public var hasSymtab: Bool { section(named: ".symtab").map { $0.type != 8 } ?? false }
    public var hasDWARF: Bool {
        sections.contains { ($0.name.hasPrefix(".debug_info") || $0.name == ".zdebug_info") && $0.type != 8 }
    }

    /// A debug-only file (`objcopy --only-keep-debug`): its code sections are NOBITS, so it cannot stand
    /// for the binary where loaded bytes are needed (address mapping, Go's pclntab).
    public var isDebugOnly: Bool { section(named: ".text")?.type == 8 }

    /// The `.gnu_debuglink` section: the debug file's name and the CRC32 of its contents.
    public var debugLink: (name: String, crc: UInt32)? {
        guard let s = section(named: ".gnu_debuglink"), let b = bytes(of: s) else { return nil }
        var c = ByteCursor(b, origin: Int(s.offset), order: order)
        guard let name = try? c.cString("debuglink name"), !name.isEmpty else { return nil }
        let crcOffset = (name.utf8.count + 1 + 3) & ~3
        guard crcOffset + 4 <= b.count else { return nil }
        var d = ByteCursor(
            UnsafeRawBufferPointer(rebasing: b[crcOffset..<crcOffset + 4]), origin: Int(s.offset) + crcOffset,
            order: order)
        guard let crc = try? d.u32() else { return nil }
        return (name, crc)
    }
}

/// CRC-32 (IEEE, reflected, as zlib's `crc32` and `.gnu_debuglink` use).
func crc32(_ bytes: UnsafeRawBufferPointer) -> UInt32 {
    var crc: UInt32 = 0xffff_ffff
    crc32Table.withUnsafeBufferPointer { t in
        for b in bytes { crc = t[Int((crc ^ UInt32(b)) & 0xff)] ^ (crc >> 8) }
    }
    return crc ^ 0xffff_ffff
}

private let crc32Table: [UInt32] = (0..<256).map { i -> UInt32 in
    var c = UInt32(i)
    for _ in 0..<8 { c = c & 1 != 0 ? 0xedb8_8320 ^ (c >> 1) : c >> 1 }
    return c
}
