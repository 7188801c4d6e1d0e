// Binaries copied off a host, in folders of any layout: found by build-id, or by name for captures without.
import BinaryIO

#if canImport(Glibc)
import Glibc
#endif

/// ELF files found under the search folders: binaries by build-id and by file name, debug-only files by
/// build-id. The first in path order wins, so the choice does not depend on directory order.
struct ScannedBinaries {
    var byID: [String: String] = [:]
    var byName: [String: String] = [:]
    var debugByID: [String: String] = [:]
    /// Every binary (not debug-only) found, for captures without build-ids whose binary was renamed.
    var all: [String] = []

    mutating func add(path: String, name: String) {
        let p: ELFProbe
        switch ELFProbe.probe(path: path) {
        case .elf(let found): p = found
        case .notELF: return
        case .unsure:
            guard let elf = try? ELFFile(path: path) else { return }
            p = ELFProbe(isDebugOnly: elf.isDebugOnly, buildID: elf.buildID, goBuildID: elf.goBuildID())
        }
        if p.isDebugOnly {
            if let id = p.buildID, debugByID[id].map({ path < $0 }) ?? true { debugByID[id] = path }
            return
        }
        // A Go binary without its GNU note is found by the build-ids its Go build ID derives (GoBuildID.swift).
        let ids = p.buildID.map { [$0] } ?? p.goBuildID.map { GoBuildID.gnuBuildIDs(fromGoBuildID: $0) } ?? []
        for id in ids where byID[id].map({ path < $0 }) ?? true { byID[id] = path }
        all.append(path)
        if let old = byName[name], old < path { return }
        byName[name] = path
    }

    /// `other`'s entries where this has none (a lower-priority folder).
    mutating func addMissing(from other: ScannedBinaries) {
        byID.merge(other.byID) { mine, _ in mine }
        byName.merge(other.byName) { mine, _ in mine }
        debugByID.merge(other.debugByID) { mine, _ in mine }
        all += other.all
    }

    /// The ELF files under `dirs` (recursively). A path in `dirs` that is a file is a binary itself;
    /// `captureFolder`'s files come after all others, without descending into its folders (it may be a
    /// home folder). At most 100,000 entries are visited.
    static func scan(_ dirs: [String], captureFolder: String? = nil) -> ScannedBinaries {
        var found = ScannedBinaries()
        var pending: [String] = []
        for d in dirs {
            if SymbolSources.kind(of: d) == .file { found.add(path: d, name: basename(d)) } else { pending.append(d) }
        }
        var visited = 0
        func list(_ dir: String, recurse: Bool) {
            guard let d = opendir(dir) else { return }
            defer { closedir(d) }
            while let e = readdir(d) {
                visited += 1
                let name = withUnsafeBytes(of: e.pointee.d_name) {
                    String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self)
                }
                if name == "." || name == ".." { continue }
                let path = dir + "/" + name
                var st = stat()
                guard lstat(path, &st) == 0 else { continue }
                if (st.st_mode & S_IFMT) == S_IFDIR { if recurse { pending.append(path) }; continue }
                guard (st.st_mode & S_IFMT) == S_IFREG, st.st_size > 64 else { continue }
                found.add(path: path, name: name)
            }
        }
        while let dir = pending.popLast(), visited < 100_000 { list(dir, recurse: true) }
        if let c = captureFolder, visited < 100_000 {
            var own = ScannedBinaries()
            swap(&found, &own)
            list(c, recurse: false)
            swap(&found, &own)
            found.addMissing(from: own)
        }
        return found
    }
}
