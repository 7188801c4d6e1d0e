import Foundation
import Pprof

/// A profile as stacks of names, values and labels: read from `go tool pprof -raw` text (what Go made
/// of a profile) or from a decoded profile, so that the two compare.
struct RawProfile {
    struct Sample: Equatable {
        var values: [Int64]
        /// Names root first: the comm label, then each location's lines outermost first.
        var frames: [String]
        /// `key:value`, sorted (numeric labels without their unit).
        var labels: [String]
    }
    var sampleTypes: [String] = []
    var samples: [Sample] = []

    /// Parses `Profile.String()` (google/pprof profile.go): the Samples and Locations sections.
    init(_ text: String) throws {
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        guard var i = lines.firstIndex(of: "Samples:") else { throw Bad("no Samples: line") }
        sampleTypes = lines[i + 1].split(separator: " ").map { String($0.replacingOccurrences(of: "[dflt]", with: "")) }
        i += 2
        var raw: [(values: [Int64], locs: [Int], labels: String)] = []
        while i < lines.count, lines[i] != "Locations" {
            let parts = lines[i].split(separator: ":", maxSplits: 1)
            guard parts.count == 2 else { throw Bad("sample line \(i + 1): \(lines[i])") }
            let values = parts[0].split(separator: " ").compactMap { Int64($0) }
            let locs = parts[1].split(separator: " ").compactMap { Int($0) }
            var labels = ""
            i += 1
            while i < lines.count, lines[i].hasPrefix("                ") {
                labels += " " + lines[i].trimmingCharacters(in: .whitespaces)
                i += 1
            }
            raw.append((values, locs, labels))
        }
        i += 1
        var locations: [Int: [String]] = [:]
        var current = 0
        let head = /^\s*(\d+): 0x[0-9a-f]+ (?:M=\d+ )?(?:\[F\] )?(.*)$/
        let line = /^(.*) \S*:-?\d+:-?\d+ s=-?\d+(\(.*\))?$/
        while i < lines.count, lines[i] != "Mappings" {
            var rest = lines[i].trimmingCharacters(in: .whitespaces)
            if let m = lines[i].wholeMatch(of: head) {
                current = Int(m.1)!
                locations[current] = []
                rest = String(m.2)
            }
            if !rest.isEmpty { locations[current]!.append(rest.wholeMatch(of: line).map { String($0.1) } ?? rest) }
            i += 1
        }
        let label = /(\w+):\[(.*?)\](?= \w+:\[|$)/
        for r in raw {
            var labels: [String] = []
            var comm = ""
            for m in r.labels.trimmingCharacters(in: .whitespaces).matches(of: label) {
                var v = String(m.2)
                // A numeric label prints as `[N unit]`.
                if let sp = v.firstIndex(of: " "), Int64(v[..<sp]) != nil { v = String(v[..<sp]) }
                if m.1 == "comm" { comm = v }
                labels.append("\(m.1):\(v)")
            }
            var frames = [comm.replacingOccurrences(of: " ", with: "_")]
            for l in r.locs.reversed() { frames += (locations[l] ?? []).reversed() }
            samples.append(Sample(values: r.values, frames: frames, labels: labels.sorted()))
        }
    }

    /// The same view of a decoded profile.
    init(_ p: Perftools_Profiles_Profile) {
        let s = p.stringTable
        sampleTypes = p.sampleType.map { "\(s[Int($0.type)])/\(s[Int($0.unit)])" }
        let fn = Dictionary(uniqueKeysWithValues: p.function.map { ($0.id, s[Int($0.name)]) })
        let loc = Dictionary(uniqueKeysWithValues: p.location.map { l in (l.id, l.line.map { fn[$0.functionID] ?? "??" }) })
        for x in p.sample {
            var comm = ""
            let labels = x.label.map { l -> String in
                let k = s[Int(l.key)]
                if l.str != 0 {
                    if k == "comm" { comm = s[Int(l.str)] }
                    return "\(k):\(s[Int(l.str)])"
                }
                return "\(k):\(l.num)"
            }
            var frames = [comm.replacingOccurrences(of: " ", with: "_")]
            for id in x.locationID.reversed() { frames += (loc[id] ?? []).reversed() }
            samples.append(Sample(values: x.value, frames: frames, labels: labels.sorted()))
        }
    }

    /// `stack value` lines as collapse prints them: equal stacks summed, sorted by bytes.
    func folded(value k: Int) -> String {
        var sums: [String: Int64] = [:]
        for x in samples {
            sums[x.frames.map { $0.replacingOccurrences(of: ";", with: ":") }.joined(separator: ";"), default: 0] += x.values[k]
        }
        return sums.keys.sorted { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) }.map { "\($0) \(sums[$0]!)\n" }.joined()
    }

    func total(_ k: Int) -> Int { samples.reduce(0) { $0 + Int($1.values[k]) } }

    struct Bad: Error { var message: String; init(_ m: String) { message = m } }
}
