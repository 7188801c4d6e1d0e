// The binary behind a mapping, asked of `SymbolSources` once per mapping; what it refused becomes warnings.
import BinaryIO
import PerfData
import Symbolize

extension PerfCollapser {
    mutating func image(for m: Mapping) -> BinaryImage? {
        // Keyed by build-id too: a path rebuilt during the capture is two binaries.
        let key = Self.imageKey(m)
        if let cached = images[key] { return cached }
        var found: BinaryImage?
        if m.filename == "[vdso]" {
            found = sources.vdso(buildID: m.buildID)
        } else if !m.filename.hasPrefix("[") {
            let r = sources.binary(path: m.filename, buildID: m.buildID) { Self.layoutFits($0, m) }
            for note in r.notes { warn(note, for: m) }
            found = r.image
        }
        images[key] = .some(found)
        return found
    }

    /// A binary refused is warned once per path (and listed in the mapping's missing-binary warning);
    /// debuginfod failures once per build-id.
    mutating func warn(_ note: SymbolSources.Note, for m: Mapping) {
        switch note {
        case .buildIDMismatch(let path, let have):
            refused[Self.imageKey(m), default: []].append(path)
            if warnedMismatch.insert(path).inserted {
                let have = have.map { "build-id \($0)" } ?? "no build-id"
                warnings.append(
                    "\(path): \(have) does not match the capture's build-id \(m.buildID ?? "") for \(m.filename); not used")
            }
        case .goBuildIDMismatch(let path, let goID):
            refused[Self.imageKey(m), default: []].append(path)
            if warnedMismatch.insert(path).inserted {
                warnings.append("\(path): no GNU build-id, and its Go build ID \(goID) derives another than the "
                    + "capture's build-id \(m.buildID ?? "") for \(m.filename); not used")
            }
        case .layoutMismatch(let path):
            refused[Self.imageKey(m), default: []].append(path)
            if warnedMismatch.insert(path).inserted { warnings.append(Self.layoutRefusal(path, m)) }
        case .debuginfodUnavailable(let why):
            warnings.append("debuginfod: \(why); binaries are looked up locally only")
        case .debuginfodFailed(let e):
            warnings.append(
                "\(m.filename): not found locally; \(e); its frames stay unnamed ([\(basename(m.filename))])")
        case .debuginfodUnreadable(let path, let error):
            let id = m.buildID ?? ""
            warnings.append("\(m.filename): debuginfod gave build-id \(id) as \(path), which cannot be read: \(error)")
        case .debugFile(let text):
            warnings.append(text)
        }
    }
}
