import BinaryIO
import Foundation
import Pprof
import Testing

/// The reader and `top` against what `go tool pprof` (Go 1.27's) printed for Go's own runtime/pprof
/// profiles (Fixtures/generate-pprof-go.sh; the commands are in Fixtures/pprof/commands.log).
@Suite struct PprofTruthTests {
    static let dir = Paths.fixtures.appendingPathComponent("pprof")
    static let versions = ["go1.21", "go1.27"]
    static let kinds = ["cpu", "heap", "mutex", "block", "goroutine"]

    static func profile(_ v: String, _ kind: String) throws -> PprofProfile {
        let path = dir.appendingPathComponent("\(v)/\(kind).pprof").path
        let file = try openInput(path)
        return try PprofProfile(bytes: file.bytes, path: path)
    }

    /// pprof's report from its `Showing nodes accounting for` line on (the File/Build ID/Time/Duration
    /// lines before it are not written by stackfold top).
    static func table(_ text: String) -> String {
        guard let r = text.range(of: "Showing nodes accounting for") else { return "" }
        return String(text[r.lowerBound...])
    }

    /// Every `-top` the script recorded: per sample type, default, -cum and -nodecount=5.
    @Test(arguments: versions) func topEqualsGoToolPprof(_ v: String) throws {
        let truth = Self.dir.appendingPathComponent("\(v)/truth")
        let files = try FileManager.default.contentsOfDirectory(atPath: truth.path).filter { $0.contains(".top") }.sorted()
        #expect(files.count >= 25)
        for name in files {
            let kind = String(name.prefix { $0 != "." })
            let rest = name.dropFirst(kind.count + 1)
            let p = try Self.profile(v, kind)
            var o = TopTable.Options()
            var index: String? = nil
            switch rest {
            case "top.txt": break
            case "top-cum.txt": o.cumSort = true
            case "top-n5.txt": o.nodeCount = 5
            default: index = String(rest.dropLast(".top.txt".count))
            }
            let t = TopTable(p.stacks(index: try p.sampleIndex(index)), options: o)
            let expected = try String(contentsOf: truth.appendingPathComponent(name), encoding: .utf8)
            #expect(Self.table(TopText.render(t)) == Self.table(expected), "\(v)/\(name)")
            #expect(!Self.table(expected).isEmpty)
        }
    }

    /// The stacks `go tool pprof -raw` prints (each sample's locations, each location's lines), root
    /// first, summed per stack, for every sample type: the same folded text.
    @Test(arguments: versions) func stacksEqualGoToolPprofRaw(_ v: String) throws {
        for kind in Self.kinds {
            let p = try Self.profile(v, kind)
            let raw = try String(contentsOf: Self.dir.appendingPathComponent("\(v)/truth/\(kind).raw.txt"), encoding: .utf8)
            let expected = RawText(raw)
            #expect(expected.samples.count == p.sampleCount && expected.samples.count > 0, "\(v) \(kind)")
            #expect(p.sampleTypes.map(\.description) == expected.types, "\(v) \(kind)")
            for i in p.sampleTypes.indices {
                let ours = String(decoding: p.stacks(index: i).folded().text, as: UTF8.self)
                #expect(ours == expected.folded(index: i), "\(v) \(kind) \(p.sampleTypes[i])")
            }
        }
    }

    @Test func inlinedFramesAreOwnFramesInPprofOrder() throws {
        let p = try Self.profile("go1.27", "cpu")
        let folded = String(decoding: p.stacks(index: 1).folded().text, as: UTF8.self)
        // leaf is inlined into mid, mid into hot (Fixtures/pprof/prog/main.go).
        #expect(folded.contains("main.hot;main.mid;main.leaf"))
        #expect(p.sampleTypes == [.init(type: "samples", unit: "count"), .init(type: "cpu", unit: "nanoseconds")])
        #expect(try p.sampleIndex(nil) == 1 && p.period == 1_000_000)
    }

    @Test func sampleIndexAsPprof() throws {
        let p = try Self.profile("go1.27", "heap")
        #expect(p.sampleTypes.map(\.type) == ["alloc_objects", "alloc_space", "inuse_objects", "inuse_space"])
        #expect(try p.sampleIndex(nil) == 3)  // default_sample_type is not set by Go: the last
        #expect(try p.sampleIndex("alloc_space") == 1 && p.sampleTypes[1].unit == "bytes")
        #expect(try p.sampleIndex("0") == 0)
        #expect(throws: PprofError.self) { try p.sampleIndex("4") }
        #expect(throws: PprofError.self) { try p.sampleIndex("cpu") }
    }

    @Test func uncompressedProfileReadsAsTheGzipOne() throws {
        let a = try Self.profile("go1.27", "cpu")
        let path = Self.dir.appendingPathComponent("go1.27/cpu-uncompressed.pb").path
        let f = try openInput(path)
        #expect(PprofProfile.isProfile(f.bytes))
        let b = try PprofProfile(bytes: f.bytes, path: path)
        #expect(a.stacks(index: 1).folded().text == b.stacks(index: 1).folded().text)
    }
}

/// `go tool pprof -raw` text (profile.String()): sample types, samples (values, location ids) and
/// locations (each line's function name, innermost first).
struct RawText {
    var types: [String] = []
    var samples: [(values: [Int64], locations: [Int])] = []
    var locations: [Int: [String]] = [:]

    init(_ text: String) {
        var section = ""
        var current = 0
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            if line == "Samples:" || line == "Locations" || line == "Mappings" { section = String(line); continue }
            let words = line.split(separator: " ")
            if section == "Samples:" {
                if types.isEmpty { types = words.map(String.init); continue }
                guard let colon = line.firstIndex(of: ":"), let values = Optional(line[..<colon].split(separator: " ").compactMap { Int64($0) }),
                      !values.isEmpty, values.count == line[..<colon].split(separator: " ").count else { continue }
                samples.append((values, line[line.index(after: colon)...].split(separator: " ").compactMap { Int($0) }))
            } else if section == "Locations" {
                if let first = words.first, first.hasSuffix(":"), let id = Int(first.dropLast()) {
                    current = id
                    // id: 0xaddr [M=n] name file:line:col s=n
                    let rest = words.dropFirst(2).filter { !$0.hasPrefix("M=") }
                    locations[id] = rest.first.map { [String($0)] } ?? []
                } else if let name = words.first {
                    locations[current, default: []].append(String(name))
                }
            }
        }
    }

    func folded(index: Int) -> String {
        var sums: [String: Int64] = [:]
        for s in samples where s.values[index] > 0 {
            let frames = s.locations.reversed().flatMap { (locations[$0] ?? []).reversed() }
            sums[frames.joined(separator: ";"), default: 0] += s.values[index]
        }
        return sums.keys.sorted { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) }.map { "\($0) \(sums[$0]!)\n" }.joined()
    }
}
