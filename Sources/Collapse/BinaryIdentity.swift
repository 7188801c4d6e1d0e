import BinaryIO
import PerfData
import Symbolize

#if canImport(Glibc)
import Glibc
#endif

/// Which binary stands for a mapping, and saying so when none does: a capture's frames named from another
/// build are wrong with no sign of it, and frames left unnamed look like a profile of something else.
extension PerfCollapser {
    /// A mapping backed by a file a user could copy: not `[vdso]`, the kernel, anonymous or JIT memory.
    static func isFileBacked(_ m: Mapping) -> Bool {
        let f = m.filename
        guard f.hasPrefix("/"), !f.hasPrefix("//"), !m.isKernel else { return false }
        for p in ["/memfd:", "/dev/", "/SYSV", "/anon_hugepage", "/[", "/proc/"] where f.hasPrefix(p) { return false }
        if f.hasPrefix("/tmp/perf-"), f.hasSuffix(".map") { return false }
        return true
    }

    /// Whether `elf` could be what the capture mapped when no build-id says so: one of its loadable segments
    /// starts at the mapping's file offset and is as long as the mapping, page-rounded (4, 16 or 64 KiB
    /// pages); a non-PIE executable also at the recorded address. Another program renamed to the recorded
    /// name almost never has the same text length to the page.
    static func layoutFits(_ elf: ELFFile, _ m: Mapping) -> Bool {
        let length = m.end &- m.start
        let loads = elf.segments.filter { $0.type == 1 }
        for page: UInt64 in [0x1000, 0x4000, 0x10000] {
            let mask = ~(page - 1)
            for s in loads where s.offset & mask == m.pageOffset {
                let (end, o) = s.offset.addingReportingOverflow(s.fileSize)
                guard !o, end <= UInt64.max - page else { continue }
                let extent = ((end &+ page &- 1) & mask) &- (s.offset & mask)
                let addressFits = elf.isPositionIndependent || s.vaddr & mask == m.start
                if extent == length, addressFits { return true }
            }
        }
        // An old single-segment layout maps the whole span at offset 0 with the text's protection.
        if m.pageOffset == 0, let lo = loads.map(\.vaddr).min(),
           let hi = loads.map({ $0.vaddr.addingReportingOverflow($0.memSize).partialValue }).max(), hi > lo {
            let span = ((hi &+ 0xfff) & ~0xfff) &- (lo & ~0xfff)
            if span == length, elf.isPositionIndependent || lo & ~0xfff == m.start { return true }
        }
        return false
    }

    /// Refuses, with one warning per path, a binary whose layout does not fit a mapping without build-id.
    mutating func layoutAccepts(_ img: BinaryImage, for m: Mapping) -> Bool {
        guard m.buildID == nil, !Self.layoutFits(img.elf, m) else { return true }
        refused[Self.imageKey(m), default: []].append(img.path)
        if warnedMismatch.insert(img.path).inserted {
            warnings.append("\(img.path): its loadable segments do not match the capture's mapping of \(m.filename) "
                + "(0x\(String(m.end &- m.start, radix: 16)) bytes at file offset 0x\(String(m.pageOffset, radix: 16))); another build or program, not used")
        }
        return false
    }

    /// Notes that the names just made for a mapping's address are placeholders because no binary was found
    /// or accepted for it, so that samples holding them are counted.
    mutating func noteUnnamed(_ ids: [UInt32], mapping m: Mapping) {
        guard Self.isFileBacked(m), case .some(.none) = images[Self.imageKey(m)] else { return }
        let key = Self.imageKey(m)
        var index = missing.firstIndex { $0.key == key }
        if index == nil {
            missing.append(MissingBinary(key: key, filename: m.filename, buildID: m.buildID))
            index = missing.count - 1
        }
        for id in ids { missingNames[id] = index! }
    }

    /// Counts a folded sample against each missing binary it has a frame of.
    mutating func countMissing(_ scratch: FrameScratch) {
        var hit: [Int] = []
        scratch.withIDs { ids in
            for id in ids { if let k = missingNames[id], !hit.contains(k) { hit.append(k) } }
        }
        for k in hit { missing[k].samples &+= 1 }
    }

    /// One warning per binary not found or refused: what the capture recorded, the share of samples whose
    /// frames it leaves unnamed, and what to pass.
    mutating func warnMissingBinaries() {
        for b in missing where b.samples > 0 {
            let id = b.buildID.map { "build-id \($0)" } ?? "no build-id recorded"
            let share = Double(b.samples) * 100 / Double(max(samples, 1))
            let pct = cFormat("%.1f", share)
            let tried = refused[b.key].map { "; refused \($0.joined(separator: ", "))" } ?? ""
            warnings.append("\(b.filename) (\(id)): no matching binary found\(tried); \(b.samples) of \(samples) samples (\(pct) %) "
                + "have its frames unnamed ([\(basename(b.filename))]); pass --binaries with the binary or its folder")
        }
    }

    /// For a mapping without build-id whose binary is not found by name: the first scanned binary (in
    /// path order) whose loadable segments fit the mapping, as a copy renamed on the way off the host.
    mutating func renamedBinary(for m: Mapping, among paths: [String]) -> BinaryImage? {
        guard m.buildID == nil else { return nil }
        for path in paths.sorted() {
            guard let img = try? BinaryImage(path: path), Self.layoutFits(img.elf, m) else { continue }
            return img
        }
        return nil
    }

    static func imageKey(_ m: Mapping) -> String { m.buildID.map { m.filename + "\u{0}" + $0 } ?? m.filename }
}

/// A binary named by the capture that was not found or not accepted, with the samples it leaves unnamed.
struct MissingBinary {
    var key: String
    var filename: String
    var buildID: String?
    var samples = 0
}

extension BinaryLocator {
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

/// ELF files found by `PerfCollapser.scan`: binaries by build-id and by file name, debug-only files by
/// build-id. The first in path order wins, so the choice does not depend on directory order.
struct ScannedBinaries {
    var byID: [String: String] = [:]
    var byName: [String: String] = [:]
    var debugByID: [String: String] = [:]
    /// Every binary (not debug-only) found, for captures without build-ids whose binary was renamed.
    var all: [String] = []

    mutating func add(path: String, name: String) {
        guard let elf = try? ELFFile(path: path) else { return }
        if elf.isDebugOnly {
            if let id = elf.buildID, debugByID[id].map({ path < $0 }) ?? true { debugByID[id] = path }
            return
        }
        // A Go binary without its GNU note is found by the build-ids its Go build ID derives (GoBuildID.swift).
        let ids = elf.buildID.map { [$0] } ?? elf.goBuildID().map { GoBuildID.gnuBuildIDs(fromGoBuildID: $0) } ?? []
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
}
