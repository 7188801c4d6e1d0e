import Foundation
import Symbolize
import TestSupport
import Testing

/// A debuginfod server is trusted no more than a local file (issue 22): one that streams without end is
/// cut at the size cap, and the cancelled transfer leaves no empty cache entry (which libdebuginfod
/// would read as "not found" for the next runs).
@Suite struct DebuginfodHostileTests {
    /// Answers one request with 200 and then bytes until the client hangs up (at most 256 MB).
    static func endlessServer() throws -> (fd: Int32, port: UInt16) {
        let server = try loopbackSocket(listen: true)
        let fd = server.fd
        Thread.detachNewThread {
            let c = accept(fd, nil, nil)
            guard c >= 0 else { return }
            defer { close(c) }
            var request = [UInt8](repeating: 0, count: 4096)
            _ = read(c, &request, request.count)
            let head = Array("HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\n\r\n".utf8)
            // send with MSG_NOSIGNAL: the client hanging up must not raise SIGPIPE in the test process.
            let noSignal = Int32(MSG_NOSIGNAL)
            guard send(c, head, head.count, noSignal) == head.count else { return }
            let chunk = [UInt8](repeating: 0x41, count: 1 << 16)
            for _ in 0..<4096 where send(c, chunk, chunk.count, noSignal) == chunk.count {}
        }
        return server
    }

    @Test func endlessDownloadIsCutAtTheCap() throws {
        let server = try Self.endlessServer()
        defer { close(server.fd) }
        let cache = DebuginfodTests.cache()
        defer { try? FileManager.default.removeItem(atPath: cache) }
        let id = "0123456789abcdef0123456789abcdef01234567"
        let config = DebuginfodConfig(urls: ["http://127.0.0.1:\(server.port)"], cachePath: cache, timeoutSeconds: 20, maxBytes: 1 << 20)
        let c = try #require(DebuginfodClient(config: config))
        let start = Date()
        let r = c.findExecutable(buildID: id)
        let took = Date().timeIntervalSince(start)
        guard case .failure(let e) = r else { Issue.record("found \(r) on an endless server"); return }
        #expect(e.message.hasPrefix("the download passed 1048576 bytes (DEBUGINFOD_MAXSIZE)"), "\(e)")
        #expect(took < 10, "took \(took) s")
        // Nothing left that a later run would take for a miss, or for the binary.
        let entry = "\(cache)/\(id)/executable"
        #expect(!FileManager.default.fileExists(atPath: entry))
    }
}
