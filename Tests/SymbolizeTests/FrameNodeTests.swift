import Foundation
import Testing
@testable import Symbolize

/// `GoPclntab.frameNode`: the fold names a pclntab node once (PerfCollapser.nodeNames), so two PCs with
/// the same node must get the same names-only frames, for exact PCs and for return addresses.
@Suite struct FrameNodeTests {
    /// What a fold's names come from: each frame's function, funcID (wrapper elision), inlining and start line.
    struct Named: Equatable {
        var function: String
        var funcID: UInt8
        var isInlined: Bool
        var startLine: Int
    }

    @Test(arguments: ["1.21", "1.23", "1.25", "1.27"])
    func equalNodesNameAlike(_ version: String) throws {
        let path = Paths.fixtures.appendingPathComponent("bin/go\(version)/workload").path
        let p = try #require(try GoPclntab(elf: ELFFile(path: path)))
        let image = try BinaryImage(path: path)
        let pcs = try NamesOnlyFastPathTests.probePCs(p, stride: 40_000)
        for ret in [false, true] {
            var byNode: [GoFrameNode: [Named]] = [:]
            var inlined = 0
            for pc in pcs {
                let frames = image.frames(at: pc, isReturnAddress: ret, goStyle: true, lines: false)
                let node = image.goFrameNode(at: pc, isReturnAddress: ret)
                // A node wherever the pclntab holds the address itself (one just past the last function
                // is named from its return-address lookup at pc - 1, without a node: the fold names it anew).
                #expect((node != nil) == (p.functionEntry(pc) != nil), "\(String(pc, radix: 16)) ret \(ret)")
                #expect(node == nil || !frames.isEmpty, "\(String(pc, radix: 16)) ret \(ret)")
                guard let node else { continue }
                let named = frames.map { Named(function: $0.function, funcID: $0.funcID, isInlined: $0.isInlined, startLine: $0.startLine) }
                if node.inline >= 0 { inlined += 1 }
                if let known = byNode[node] {
                    #expect(known == named, "\(String(pc, radix: 16)) ret \(ret): \(node)")
                } else {
                    byNode[node] = named
                }
            }
            // The PCs share nodes (else the fold's cache would save nothing), and inlined nodes are among them.
            #expect(byNode.count * 2 < pcs.count)
            #expect(inlined > 100)
        }
    }
}
