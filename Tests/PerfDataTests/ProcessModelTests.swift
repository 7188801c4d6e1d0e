import Foundation
import Testing
@testable import PerfData

/// Every frame of every sample resolves to the same mapping (dso) and the same map-relative address
/// that `perf script` printed for it: the process model follows COMM/FORK/EXIT/MMAP as perf does.
@Suite struct ProcessModelTests {
    static let captures = AgainstPerfTests.captures

    @Test(arguments: captures)
    func framesResolveLikePerfScript(_ name: String) throws {
        let script = try String(contentsOf: AgainstPerfTests.url(name + ".script.txt"), encoding: .utf8)
        var theirs: [String] = []
        var comms: [String] = []
        for line in script.split(separator: "\n", omittingEmptySubsequences: true) {
            if line.hasPrefix("\t") {
                // `\t    addr sym+off (dso)`: keep the address and the dso.
                let t = line.drop { $0 == "\t" || $0 == " " }
                let addr = t.prefix { $0 != " " }
                guard let open = t.range(of: " (", options: .backwards) else { continue }
                theirs.append("\(addr) \(t[open.upperBound...].dropLast())")
            } else {
                comms.append(String(line.prefix { $0 != " " }))
            }
        }
        let file = try PerfFile(path: AgainstPerfTests.url(name).path)
        var model = ProcessModel(file: file)
        var ours: [String] = []
        var ourComms: [String] = []
        var it = file.orderedRecords()
        while let rec = it.next() {
            guard rec.type == .sample else {
                model.process(rec, in: file)
                continue
            }
            let s = try file.sample(rec)
            ourComms.append(model.comm(tid: s.tid))
            let frames =
                s.callchain.isEmpty && file.events[s.eventIndex].layout.type.contains(.callchain) ? [] : s.frames()
            for f in frames {
                let m = model.mapping(pid: s.pid, address: f.address, mode: f.mode)
                let shown = m.map { $0.isKernel ? f.address : $0.fileOffset(of: f.address) } ?? f.address
                ours.append("\(String(shown, radix: 16)) \(m?.filename ?? "[unknown]")")
            }
        }
        // dwarf call graphs: perf unwinds the user stack itself, so its frames are not the recorded callchain.
        if name.contains("dwarf") { return }
        // perf script starts each sample with the comm (no spaces in these captures' comms).
        #expect(ourComms.map { $0.replacingOccurrences(of: " ", with: "") }.count == comms.count)
        #expect(zip(ourComms, comms).allSatisfy { $0.hasPrefix($1) })
        #expect(!ours.isEmpty)
        #expect(ours.count == theirs.count)
        let firstDiff = zip(ours, theirs).enumerated().first { $0.element.0 != $0.element.1 }
        #expect(
            firstDiff == nil,
            "\(name): frame \(firstDiff?.offset ?? -1): ours \(firstDiff?.element.0 ?? "") perf \(firstDiff?.element.1 ?? "")"
        )
    }

    /// `mappingCount` moves on an executable map and only there: the collapser drops its caches when it
    /// moves, and a dwarf capture's data maps (`mmap_data`: every heap arena) must not do that.
    @Test func mappingCountMovesOnExecutableMapsOnly() throws {
        let file = try PerfFile(path: AgainstPerfTests.url("go1.25-dwarf.data").path)
        var model = ProcessModel(file: file)
        var it = file.orderedRecords()
        var (executable, data) = (0, 0)
        while let rec = it.next() {
            guard rec.type == .mmap || rec.type == .mmap2 else { continue }
            let before = model.mappingCount
            model.process(rec, in: file)
            let isExecutable = try file.mmap(rec).isExecutable
            #expect(model.mappingCount == before + (isExecutable ? 1 : 0))
            if isExecutable { executable += 1 } else { data += 1 }
        }
        #expect(executable > 0 && data > 0, "the capture has both kinds of map")
        #expect(model.mappingCount == model.allMappings.count)
    }
}
