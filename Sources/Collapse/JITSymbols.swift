#if canImport(FoundationEssentials)
import FoundationEssentials  // not Foundation: see MaxStack.swift in the stackfold target
#else
import Foundation
#endif
import PerfData
import Symbolize

/// JIT frames: a mapping of memory without a file is named `/tmp/perf-PID.map` (as perf names it), and its
/// addresses by the symbols the JIT wrote there. perf reads that path on the machine running perf script;
/// users copy captures off the host, so the file is looked for first beside the capture (`perf-PID.map`
/// in its folder), then under --symfs, else at /tmp itself (docs/inputs-and-binaries.md).
extension PerfCollapser {
    /// The JIT symbol holding `address`, and the offset into it.
    mutating func jitSymbol(_ address: UInt64, mapping m: Mapping) -> (name: String, offset: UInt64)? {
        guard let map = perfMap(named: m.filename), let e = map.entry(at: address) else { return nil }
        return (map.name(of: e), address &- e.start)
    }

    /// The paths tried, in order, for the perf map recorded as `name` (`/tmp/perf-PID.map`).
    func perfMapCandidates(_ name: String) -> [String] {
        var out: [String] = []
        if let folder = options.binaries.captureFolder { out.append(folder + "/" + basename(name)) }
        if let symfs = options.binaries.symfs {
            if let p = ConfinedPath.join(root: symfs, name) { out.append(p) }
        } else {
            out.append(name)
        }
        return out
    }

    /// Read once per name; a missing or unreadable file is said once, with what to pass.
    mutating func perfMap(named name: String) -> PerfMap? {
        if let known = perfMaps[name] { return known }
        var found: PerfMap?
        var problems: [String] = []
        let candidates = perfMapCandidates(name)
        for path in candidates where FileManager.default.fileExists(atPath: path) {
            do {
                found = try PerfMap(path: path)
                break
            } catch {
                problems.append("\(error.path): \(error.message)")
            }
        }
        if let f = found, f.linesLeftOut > 0 {
            warnings.append(
                "\(f.file.path): \(f.linesLeftOut) entries past the first \(PerfMap.maxEntries) not read; their JIT frames stay [unknown]"
            )
        }
        if found == nil {
            let looked = candidates.isEmpty ? "" : " (looked for \(candidates.joined(separator: ", ")))"
            warnings.append(
                problems.first.map { "\($0); JIT frames of \(name) stay [unknown]" }
                    ?? "\(name): JIT symbol file not found\(looked); its frames stay [unknown]: copy it beside the capture as \(basename(name))"
            )
        }
        perfMaps[name] = .some(found)
        return found
    }
}
