// Where a capture's symbols come from: the binaries it names (recorded path, symfs, build-id folders,
// perf's ~/.debug cache, scanned folders, debuginfod) and kernel symbols (a kallsyms file, or this
// machine's, cached). One type that a fold asks; it returns what it found and, as values, what it refused.
import BinaryIO

#if canImport(Glibc)
import Glibc
#endif

/// Finds binaries and kernel symbols for a capture. Keeps what one fold learns: the scanned folders (once),
/// the debuginfod client and which build-ids it already failed for. Not thread-safe.
public struct SymbolSources {
    /// Where to look. The defaults look only where a capture says: the recorded path, no folders, no
    /// servers, no cache written; the command line adds `~/.debug`, `/usr/lib/debug`, `DEBUGINFOD_URLS`
    /// and `~/.cache/stackfold`.
    public struct Options: Sendable {
        /// A root the recorded paths are looked up under (as `perf report --symfs`), confined to it; the
        /// recorded path itself is then not tried. Default nil: recorded paths as they are.
        public var symfs: String?
        /// Folders holding `.build-id/ab/cdef…` (or `ab/cdef…`) trees, perf's `~/.debug` cache among
        /// them. Default none.
        public var buildIDDirs: [String] = []
        /// Folders of binaries in any layout, and binaries themselves, matched to the capture by build-id
        /// (scanned once). Default none.
        public var searchDirs: [String] = []
        /// The capture's own folder, where users copy the binary with perf.data: its files (not subfolders)
        /// are matched as `searchDirs` are, after them. Default nil.
        public var captureFolder: String?
        /// Servers asked by build-id for binaries not found locally. Off (nil) unless set: the library never
        /// reads `DEBUGINFOD_URLS` itself, so tests and embedders stay offline; the command line sets it.
        public var debuginfod: DebuginfodConfig?
        /// Look for separate debug files (`.build-id/ab/cdef….debug`, `.gnu_debuglink`) of binaries without
        /// `.symtab` or DWARF, in `buildIDDirs` and `searchDirs`; `/usr/lib/debug` among `buildIDDirs` is the
        /// global debuglink folder too, and is looked up under `symfs` when set, as perf does. Default on.
        public var debugFiles = true
        /// Folder where a copy of this machine's kernel symbols is kept per boot and module set (reading
        /// /proc/kallsyms costs tens of ms each time). Default nil: nothing is written.
        public var kernelSymbolCache: String?
        /// Where inflated copies of compressed DWARF are kept (`DebugSectionCache`). Default nil: inflated
        /// in memory on every run, nothing written.
        public var debugSectionCache: String?
        public init() {}
    }

    /// Why a binary found for a mapping was not used, or what else went wrong looking; in the order met.
    public enum Note {
        /// Its build-id (`found`, nil when it has none) is not the capture's.
        case buildIDMismatch(path: String, found: String?)
        /// A Go binary without a GNU build-id whose Go build ID derives another build-id than the capture's.
        case goBuildIDMismatch(path: String, goBuildID: String)
        /// The capture recorded no build-id and the binary's loadable segments do not fit the mapping.
        case layoutMismatch(path: String)
        /// No debuginfod client could be started (said once per `SymbolSources`).
        case debuginfodUnavailable(reason: String)
        /// The servers gave nothing for the build-id (said once per build-id).
        case debuginfodFailed(DebuginfodError)
        /// The servers gave a file that is not a readable ELF binary (said once per build-id).
        case debuginfodUnreadable(path: String, error: String)
        /// A separate debug file that exists was refused (`BinaryImage.warnings`).
        case debugFile(String)
    }

    public let options: Options
    var scanned: ScannedBinaries?
    /// Created on the first binary not found locally, when debuginfod servers are configured.
    var debuginfod: DebuginfodClient?
    /// Build-ids whose debuginfod failure was already noted ("" for the client itself).
    var notedDebuginfod: Set<String> = []

    public init(options: Options) { self.options = options }

    /// The binary for a file mapping recorded as `path` with `buildID`, with the separate debug file
    /// attached. With a build-id, only a binary with that build-id is used; without one, only a binary
    /// whose layout `fits` the mapping (then, among scanned files, the first that fits, as a renamed copy).
    public mutating func binary(path: String, buildID: String?, fits: (ELFFile) -> Bool) -> (
        image: BinaryImage?, notes: [Note]
    ) {
        var notes: [Note] = []
        func usable(_ img: BinaryImage) -> Bool {
            if let want = buildID, img.buildID != want {
                // A Go binary whose GNU note was removed: checked by the build-ids its Go build ID derives.
                if img.buildID == nil, let goID = img.elf.goBuildID() {
                    if GoBuildID.gnuBuildIDs(fromGoBuildID: goID).contains(want) { return true }
                    notes.append(.goBuildIDMismatch(path: img.path, goBuildID: goID))
                    return false
                }
                notes.append(.buildIDMismatch(path: img.path, found: img.buildID))
                return false
            }
            if buildID == nil, !fits(img.elf) {
                notes.append(.layoutMismatch(path: img.path))
                return false
            }
            return true
        }
        var found: BinaryImage?
        for p in options.candidates(path: path, buildID: buildID) {
            // A debug-only file (a -dbg package's .build-id/ab/cdef….debug) has no code: it is found below.
            guard let img = try? BinaryImage(path: p), !img.elf.isDebugOnly else { continue }
            if usable(img) { found = img; break }
        }
        if found == nil, let s = scannedBinaries() {
            // By build-id; by file name only when the capture recorded none (Go < 1.22 writes no GNU build-id).
            if let id = buildID {
                if let p = s.byID[id] { found = try? BinaryImage(path: p) }
            } else if let p = s.byName[basename(path)], let img = try? BinaryImage(path: p), usable(img) {
                found = img
            }
            if found == nil, buildID == nil { found = Self.renamed(among: s.all, fits: fits) }
        }
        if found == nil, let id = buildID, let img = fetchFromDebuginfod(buildID: id, notes: &notes), usable(img) {
            found = img
        }
        if let img = found {
            notes += attachDebugFile(img).map(Note.debugFile)
            img.debugSectionCache = options.debugSectionCache.map(DebugSectionCache.init(dir:))
        }
        return (found, notes)
    }

    /// perf's copy of a process's `[vdso]` with the capture's build-id, from its cache.
    public func vdso(buildID: String?) -> BinaryImage? {
        for p in options.vdsoCandidates(buildID: buildID) {
            if let img = try? BinaryImage(path: p), img.buildID == buildID { return img }
        }
        return nil
    }

    /// The scanned folders, on first need; nil when there are none to scan.
    mutating func scannedBinaries() -> ScannedBinaries? {
        guard !options.searchDirs.isEmpty || options.captureFolder != nil else { return nil }
        if scanned == nil { scanned = ScannedBinaries.scan(options.searchDirs, captureFolder: options.captureFolder) }
        return scanned
    }

    /// Finds the separate debug file of a binary without `.symtab` or DWARF, before its first symbol
    /// lookup (an image is opened for the first frame of its mapping), so that refusals come in order
    /// with the others. Returns the refusals.
    mutating func attachDebugFile(_ img: BinaryImage) -> [String] {
        guard options.debugFiles, !(img.elf.hasSymtab && img.elf.hasDWARF) else { return [] }
        img.debugFileSearch = options.debugFileSearch(scannedDebugFiles: scannedBinaries()?.debugByID ?? [:])
        _ = img.symbolFile
        return img.warnings
    }

    /// The binary from the debuginfod servers, when configured; one request per build-id per fold.
    /// The server is trusted no more than a local file: the caller checks the build-id.
    mutating func fetchFromDebuginfod(buildID id: String, notes: inout [Note]) -> BinaryImage? {
        guard let config = options.debuginfod, !config.urls.isEmpty else { return nil }
        if debuginfod == nil { debuginfod = DebuginfodClient(config: config) }
        guard let client = debuginfod else {
            if notedDebuginfod.insert("").inserted {
                let why = DebuginfodClient.unavailable.map(\.description) ?? "libdebuginfod could not start a client"
                notes.append(.debuginfodUnavailable(reason: why))
            }
            return nil
        }
        let first = client.findExecutable(buildID: id)
        let seen = !notedDebuginfod.insert(id).inserted
        switch first {
        case .failure(let e):
            if !seen { notes.append(.debuginfodFailed(e)) }
            return nil
        case .success(let path):
            do { return try BinaryImage(path: path) } catch {
                if !seen { notes.append(.debuginfodUnreadable(path: path, error: "\(error)")) }
                return nil
            }
        }
    }

    /// The first binary among `paths` (in path order) whose loadable segments fit: a copy renamed on the
    /// way off the host, for a capture without build-ids.
    static func renamed(among paths: [String], fits: (ELFFile) -> Bool) -> BinaryImage? {
        for p in paths.sorted() {
            guard let img = try? BinaryImage(path: p), fits(img.elf) else { continue }
            return img
        }
        return nil
    }

    /// Whether `path` is a folder (scanned for binaries) or a regular file (a binary itself); nil when
    /// it is neither, so the caller can refuse it rather than look nowhere.
    public static func kind(of path: String) -> BinaryPathKind? {
        var st = stat()
        guard stat(path, &st) == 0 else { return nil }
        switch st.st_mode & S_IFMT {
        case S_IFDIR: return .folder
        case S_IFREG: return .file
        default: return nil
        }
    }
}

public enum BinaryPathKind: Sendable { case folder, file }

extension SymbolSources.Options {
    /// Where debug files are looked for; `scannedDebugFiles`: debug-only files found in `searchDirs`.
    public func debugFileSearch(scannedDebugFiles: [String: String] = [:]) -> DebugFileSearch {
        let system = "/usr/lib/debug"
        let dirs = buildIDDirs.map { $0 == system ? (symfs ?? "") + system : $0 }
        let global = buildIDDirs.contains(system) ? [(symfs ?? "") + system] : []
        return DebugFileSearch(buildIDDirs: dirs, byBuildID: scannedDebugFiles, globalDirs: global, root: symfs)
    }

    /// The paths tried, in order, for a binary recorded as `path`: under `symfs` (else `path` itself, last)
    /// and by build-id in `buildIDDirs`.
    public func candidates(path: String, buildID: String?) -> [String] {
        var out: [String] = []
        // The recorded name is the capture's: normalised and kept inside the root, symlinks included.
        if let symfs, let p = ConfinedPath.join(root: symfs, path) { out.append(p) }
        if let id = buildID, ConfinedPath.isBuildID(id) {
            let head = String(id.prefix(2)), tail = String(id.dropFirst(2))
            for d in buildIDDirs {
                out.append("\(d)/.build-id/\(head)/\(tail)")
                out.append("\(d)/.build-id/\(head)/\(tail).debug")
                out.append("\(d)/\(head)/\(tail)")
                // perf's cache: ~/.debug/.build-id/ab/cdef…/elf
                out.append("\(d)/.build-id/\(head)/\(tail)/elf")
            }
        }
        if symfs == nil { out.append(path) }
        return out
    }

    /// perf's copy of a process's `[vdso]`, kept by build-id in its cache (`~/.debug/.build-id/ab/cdef…/vdso`).
    public func vdsoCandidates(buildID: String?) -> [String] {
        guard let id = buildID, ConfinedPath.isBuildID(id) else { return [] }
        let head = String(id.prefix(2)), tail = String(id.dropFirst(2))
        return buildIDDirs.map { "\($0)/.build-id/\(head)/\(tail)/vdso" }
    }
}

