import Foundation
import Testing
@testable import Collapse
import PerfData
import Symbolize

/// How `collapse` finds a binary's separate debug file (Fixtures/debugfile, see generate-debugfile.sh): a
/// mapping of the stripped C fixture, recorded at /opt/app/cwork, is named from the debug file; the
/// debug-only `.build-id/ab/cdef….debug` is never taken for the binary itself; --no-debug-file turns it off.
@Suite struct DebugFileCollapseTests {
    static let fixture = Paths.fixtures.appendingPathComponent("debugfile").path
    static let buildID = "074ca19dd5f7a8acdd9c94abc4bcf71ea0b82d6d"
    static let debugRel = "/.build-id/07/4ca19dd5f7a8acdd9c94abc4bcf71ea0b82d6d.debug"

    /// The folded names of `main`'s first instruction in a mapping of /opt/app/cwork.
    static func names(recordedAt path: String = "/opt/app/cwork", _ configure: (inout SymbolSources.Options) -> Void)
        throws -> (names: [String], warnings: [String])
    {
        var o = PerfCollapseOptions()
        o.binaries.symfs = "/nonexistent"
        o.useRunningKernel = false
        configure(&o.binaries)
        var c = PerfCollapser(options: o)
        let debug = try ELFFile(path: fixture + debugRel), bin = try ELFFile(path: fixture + "/cwork")
        let main = try #require(debug.functionSymbols.first { $0.name == "main" })
        let off = try #require(bin.fileOffset(ofVirtualAddress: main.value))
        let m = Mapping(
            start: 0x5555_0000_0000, end: 0x5555_0001_0000, pageOffset: 0, filename: path, buildID: buildID, id: 1)
        return (c.symbolize(m.start + off, mapping: m, exact: true, mode: .user), c.warnings)
    }

    /// A symfs holding /opt/app/cwork (stripped) and, if `debugUnder` is set, the debug file there.
    func symfs(debugUnder: String?) throws -> String {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("stackfold-symfs-\(UUID().uuidString)")
            .path
        try FileManager.default.createDirectory(atPath: root + "/opt/app", withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: Self.fixture + "/cwork", toPath: root + "/opt/app/cwork")
        if let d = debugUnder {
            let to = root + d + Self.debugRel
            try FileManager.default.createDirectory(
                atPath: (to as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            try FileManager.default.copyItem(atPath: Self.fixture + Self.debugRel, toPath: to)
        }
        return root
    }

    @Test func systemDebugFolderUnderSymfs() throws {
        let root = try symfs(debugUnder: "/usr/lib/debug")
        defer { try? FileManager.default.removeItem(atPath: root) }
        let with = try Self.names { $0.symfs = root; $0.buildIDDirs = ["/usr/lib/debug"] }
        #expect(with.names == ["main"])
        #expect(with.warnings.isEmpty)
        let off = try Self.names { $0.symfs = root; $0.buildIDDirs = ["/usr/lib/debug"]; $0.debugFiles = false }
        #expect(off.names == ["[cwork]"])
    }

    /// The fixture folder as a --build-id-dir and as --binaries: the debug file is found, and the
    /// debug-only file with the capture's build-id is not used as the binary (it has no code).
    @Test func buildIDDirAndBinariesFolder() throws {
        let root = try symfs(debugUnder: nil)
        defer { try? FileManager.default.removeItem(atPath: root) }
        #expect(try Self.names { $0.symfs = root }.names == ["[cwork]"])
        #expect(try Self.names { $0.symfs = root; $0.buildIDDirs = [Self.fixture] }.names == ["main"])
        #expect(try Self.names { $0.symfs = root; $0.searchDirs = [Self.fixture] }.names == ["main"])
        // The recorded path after the build-id folder's debug-only file, which is skipped as the binary.
        let real = try Self.names(recordedAt: Self.fixture + "/cwork") {
            $0.symfs = nil; $0.buildIDDirs = [Self.fixture]
        }
        #expect(real.names == ["main"])
        #expect(real.warnings.isEmpty)
        // Binary and debug file both only in the --binaries folder.
        #expect(try Self.names { $0.searchDirs = [Self.fixture] }.names == ["main"])
    }
}
