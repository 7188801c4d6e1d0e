import Foundation
import Symbolize
import TestSupport
import Testing

/// A debuginfod server is trusted no more than a local file (issue 22): one that streams without end is
/// cut at the size cap, and the cancelled transfer leaves no empty cache entry (which libdebuginfod
/// would read as "not found" for the next runs). A transfer cut half-way (the server hangs up, or stalls
/// until the client's timeout) leaves no entry either, so that the next run asks again and gets the
/// file; a hostile ELF served is read as a local one is (its `.gnu_debuglink` to `/dev/zero` refused).
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
        let config = DebuginfodConfig(
            urls: ["http://127.0.0.1:\(server.port)"], cachePath: cache, timeoutSeconds: 20, maxBytes: 1 << 20)
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

    enum Ending { case complete, hangUp, stall }

    /// Answers each request with 200, a Content-Length of `body.count`, and the body, or only its first
    /// half and then (`hangUp`) closes the connection, or (`stall`) sends nothing more until the client
    /// hangs up (at most 30 s).
    static func server(_ body: [UInt8], _ ending: Ending) throws -> (fd: Int32, port: UInt16) {
        let server = try loopbackSocket(listen: true)
        let fd = server.fd
        Thread.detachNewThread {
            while true {
                let c = accept(fd, nil, nil)
                guard c >= 0 else { return }
                var request = [UInt8](repeating: 0, count: 4096)
                _ = read(c, &request, request.count)
                let head = Array(
                    "HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\nContent-Length: \(body.count)\r\n\r\n"
                        .utf8)
                let part = ending == .complete ? body : Array(body.prefix(body.count / 2))
                let noSignal = Int32(MSG_NOSIGNAL)
                if send(c, head, head.count, noSignal) == head.count {
                    var sent = 0
                    while sent < part.count {
                        let n = part[sent...].withUnsafeBytes { send(c, $0.baseAddress, $0.count, noSignal) }
                        if n <= 0 { break }
                        sent += n
                    }
                }
                if ending == .stall {
                    var p = pollfd(fd: c, events: Int16(POLLIN), revents: 0)
                    _ = poll(&p, 1, 30_000)
                }
                close(c)
            }
        }
        return server
    }

    static let servedName = "debuglink-devzero"
    static func served() throws -> [UInt8] {
        Array(try Data(contentsOf: Paths.fixtures.appendingPathComponent("hostile/\(servedName)")))
    }
    /// The build-id of Fixtures/hostile/debuglink-devzero (readelf -n).
    static let servedID = "074ca19dd5f7a8acdd9c94abc4bcf71ea0b82d6d"

    /// Half of the file, then the server hangs up or stalls past the client's 2 s timeout: an error
    /// within 10 s and no cache entry, empty or partial; a server then serving the whole file is asked
    /// again (a new client, as the next run) and its file is the cache entry.
    @Test(arguments: [Ending.hangUp, .stall]) func cutTransferLeavesNoEntry(_ ending: Ending) throws {
        let body = try Self.served()
        let bad = try Self.server(body, ending)
        defer { close(bad.fd) }
        let cache = DebuginfodTests.cache()
        defer { try? FileManager.default.removeItem(atPath: cache) }
        let entry = "\(cache)/\(Self.servedID)/executable"
        let config = DebuginfodConfig(urls: ["http://127.0.0.1:\(bad.port)"], cachePath: cache, timeoutSeconds: 2)
        let start = Date()
        let r = try #require(DebuginfodClient(config: config)).findExecutable(buildID: Self.servedID)
        guard case .failure = r else { Issue.record("found \(r) from a cut transfer"); return }
        #expect(Date().timeIntervalSince(start) < 10)
        #expect(!FileManager.default.fileExists(atPath: entry))

        let good = try Self.server(body, .complete)
        defer { close(good.fd) }
        let again = DebuginfodConfig(urls: ["http://127.0.0.1:\(good.port)"], cachePath: cache, timeoutSeconds: 10)
        let r2 = try #require(DebuginfodClient(config: again)).findExecutable(buildID: Self.servedID)
        guard case .success(let path) = r2 else { Issue.record("after a cut transfer: \(r2)"); return }
        #expect(path == entry)
        #expect(Array(try Data(contentsOf: URL(fileURLWithPath: path))) == body)
    }

    /// The served binary is the stripped C fixture with a `.gnu_debuglink` of ../../../../../../dev/zero:
    /// taken by build-id from the server, and its debug link refused as it is for a local file, in
    /// bounded time (read, /dev/zero never ends).
    @Test func servedHostileELFIsReadAsALocalOne() throws {
        let server = try Self.server(try Self.served(), .complete)
        defer { close(server.fd) }
        let cache = DebuginfodTests.cache()
        defer { try? FileManager.default.removeItem(atPath: cache) }
        var o = SymbolSources.Options()
        o.debuginfod = DebuginfodConfig(urls: ["http://127.0.0.1:\(server.port)"], cachePath: cache, timeoutSeconds: 10)
        o.buildIDDirs = [cache]
        var sources = SymbolSources(options: o)
        let start = Date()
        let r = sources.binary(path: "/nonexistent/cwork", buildID: Self.servedID) { _ in true }
        let img = try #require(r.image)
        #expect(img.path == "\(cache)/\(Self.servedID)/executable")
        let warnings = r.notes.compactMap { n -> String? in
            if case .debugFile(let w) = n { return w }; return nil
        }
        #expect(
            warnings == [
                "\(img.path): .gnu_debuglink name \"../../../../../../dev/zero\" is not a file name (has / or is ..); not looked for"
            ],
            "\(r.notes)")
        #expect(Date().timeIntervalSince(start) < 10)
    }
}
