// Finding the binary behind a mapping: by path, symfs, build-id folders, scanned folders, debuginfod.
import BinaryIO
import PerfData
import Symbolize

#if canImport(Glibc)
import Glibc
#endif

extension PerfCollapser {
    mutating func image(for m: Mapping) -> BinaryImage? {
        // Keyed by build-id too: a path rebuilt during the capture is two binaries.
        let key = Self.imageKey(m)
        if let cached = images[key] { return cached }
        var found: BinaryImage?
        if m.filename == "[vdso]" {
            for path in options.binaries.vdsoCandidates(buildID: m.buildID) {
                if let img = try? BinaryImage(path: path), img.buildID == m.buildID { found = img; break }
            }
        } else if !m.filename.hasPrefix("[") {
            for path in options.binaries.candidates(path: m.filename, buildID: m.buildID) {
                // A debug-only file (a -dbg package's .build-id/ab/cdef….debug) has no code: it is found below.
                guard let img = try? BinaryImage(path: path), !img.elf.isDebugOnly else { continue }
                if accepts(img, for: m), layoutAccepts(img, for: m) { found = img; break }
            }
            if found == nil, !options.binaries.searchDirs.isEmpty || options.binaries.captureFolder != nil {
                if scanned == nil { scanned = Self.scan(options.binaries.searchDirs, captureFolder: options.binaries.captureFolder) }
                // By build-id; by file name only when the capture recorded none (Go < 1.22 writes no GNU build-id).
                if let id = m.buildID {
                    if let path = scanned?.byID[id] { found = try? BinaryImage(path: path) }
                } else if let path = scanned?.byName[basename(m.filename)], let img = try? BinaryImage(path: path),
                          accepts(img, for: m), layoutAccepts(img, for: m) {
                    found = img
                }
                if found == nil, m.buildID == nil { found = renamedBinary(for: m, among: scanned?.all ?? []) }
            }
            if found == nil, let id = m.buildID { found = fetchFromDebuginfod(buildID: id, for: m) }
            if let img = found { attachDebugFile(img) }
        }
        images[key] = .some(found)
        return found
    }

    /// Finds the separate debug file of a binary without `.symtab` or DWARF. Done here, once per image and
    /// before its first symbol lookup (an image is opened for the first frame of its mapping), so refusals
    /// are warned in order with the others.
    mutating func attachDebugFile(_ img: BinaryImage) {
        guard options.binaries.debugFiles, !(img.elf.hasSymtab && img.elf.hasDWARF) else { return }
        if scanned == nil, !options.binaries.searchDirs.isEmpty || options.binaries.captureFolder != nil {
            scanned = Self.scan(options.binaries.searchDirs, captureFolder: options.binaries.captureFolder)
        }
        img.debugFileSearch = options.binaries.debugFileSearch(scannedDebugFiles: scanned?.debugByID ?? [:])
        _ = img.symbolFile
        warnings += img.warnings
    }

    /// A binary is used only when its build-id is the capture's (when the capture recorded one): another
    /// build would name frames wrongly without any sign of it. Refusals are warned once per path.
    /// A Go binary whose GNU note was removed is checked by the build-ids its Go build ID derives (GoBuildID.swift).
    mutating func accepts(_ img: BinaryImage, for m: Mapping) -> Bool {
        guard let want = m.buildID, img.buildID != want else { return true }
        let goID = img.buildID == nil ? img.elf.goBuildID() : nil
        if let goID, GoBuildID.gnuBuildIDs(fromGoBuildID: goID).contains(want) { return true }
        refused[Self.imageKey(m), default: []].append(img.path)
        if warnedMismatch.insert(img.path).inserted {
            let have = img.buildID.map { "build-id \($0)" } ?? goID.map { "no GNU build-id, and its Go build ID \($0) derives another" } ?? "no build-id"
            warnings.append("\(img.path): \(have) does not match the capture's build-id \(want) for \(m.filename); not used")
        }
        return false
    }

    /// The binary from the debuginfod servers, when configured; one request per build-id per collapser.
    mutating func fetchFromDebuginfod(buildID id: String, for m: Mapping) -> BinaryImage? {
        guard let config = options.binaries.debuginfod, !config.urls.isEmpty else { return nil }
        if debuginfod == nil { debuginfod = DebuginfodClient(config: config) }
        guard let client = debuginfod else {
            if warnedDebuginfod.insert("").inserted {
                let why = DebuginfodClient.unavailable.map(\.description) ?? "libdebuginfod could not start a client"
                warnings.append("debuginfod: \(why); binaries are looked up locally only")
            }
            return nil
        }
        let first = client.findExecutable(buildID: id)
        let seen = !warnedDebuginfod.insert(id).inserted
        switch first {
        case .failure(let e):
            if !seen { warnings.append("\(m.filename): not found locally; \(e); its frames stay unnamed ([\(basename(m.filename))])") }
            return nil
        case .success(let path):
            let img: BinaryImage
            do { img = try BinaryImage(path: path) } catch {
                if !seen { warnings.append("\(m.filename): debuginfod gave build-id \(id) as \(path), which cannot be read: \(error)") }
                return nil
            }
            // The server is trusted no more than a local file.
            return accepts(img, for: m) ? img : nil
        }
    }

    /// build-ids of the ELF files under `dirs` (recursively), for finding binaries copied off a host.
    /// Debug-only files (no code) are kept apart, by build-id, for `DebugFileSearch`. A path in `dirs` that
    /// is a file is a binary itself; `captureFolder`'s files come after all others, without descending
    /// into its folders (it may be a home folder).
    static func scan(_ dirs: [String], captureFolder: String? = nil)
        -> (byID: [String: String], byName: [String: String], debugByID: [String: String], all: [String]) {
        var found = ScannedBinaries()
        var pending: [String] = []
        for d in dirs {
            if BinaryLocator.kind(of: d) == .file { found.add(path: d, name: basename(d)) } else { pending.append(d) }
        }
        var visited = 0
        func list(_ dir: String, recurse: Bool) {
            guard let d = opendir(dir) else { return }
            defer { closedir(d) }
            while let e = readdir(d) {
                visited += 1
                let name = withUnsafeBytes(of: e.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
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
        return (found.byID, found.byName, found.debugByID, found.all)
    }
}
