import Foundation
import Symbolize
import TestSupport
import Testing

/// The libdebuginfod client without a server: what it answers for bad input, a closed port and a server
/// that never answers. scripts/debuginfod-test.sh checks it against a real debuginfod.
@Suite struct DebuginfodTests {
    static func cache() -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent(
            "stackfold-dcache-\(getpid())-\(UInt32.random(in: 0 ... .max))"
        ).path
    }

    @Test func noServerNoClient() {
        #expect(DebuginfodClient(config: DebuginfodConfig(urls: [])) == nil)
        #expect(
            DebuginfodConfig.urls(fromEnvironmentValue: " http://a:1  https://b\thttp://c ") == [
                "http://a:1", "https://b", "http://c"
            ])
        #expect(DebuginfodConfig.urls(fromEnvironmentValue: nil) == [])
    }

    @Test func badBuildIDIsNotSent() throws {
        let c = try #require(
            DebuginfodClient(config: DebuginfodConfig(urls: ["http://127.0.0.1:1"], cachePath: Self.cache())))
        for id in ["", "abc", "E36743A4", "zz00", "../../etc"] {
            guard case .failure(let e) = c.findExecutable(buildID: id) else { Issue.record("\(id) accepted"); continue }
            #expect(e.code == 0)
            #expect(e.description.contains("not a build-id"))
        }
    }

    @Test func closedPortIsRefusedOnceAndRemembered() throws {
        let port = try loopbackSocket(listen: false)
        defer { close(port.fd) }
        let cache = Self.cache()
        defer { try? FileManager.default.removeItem(atPath: cache) }
        let c = try #require(
            DebuginfodClient(
                config: DebuginfodConfig(urls: ["http://127.0.0.1:\(port.port)"], cachePath: cache, timeoutSeconds: 5)))
        let id = "e36743a4395ef50425a2e7612f66d554dabe440b"
        let first = c.findExecutable(buildID: id)
        guard case .failure(let e) = first else { Issue.record("found \(first) on a closed port"); return }
        #expect(e.code == ECONNREFUSED)
        #expect(
            e.description
                == "debuginfod http://127.0.0.1:\(port.port): build-id \(id): connection refused (is the server running?) (errno 111)"
        )
        #expect(c.findExecutable(buildID: id) == first)
        #expect(c.requests == 1)
        // Now something listens there (and never answers): a second client of the same servers gets the
        // first answer at once (one request per build-id per run), not a timeout.
        #expect(listen(port.fd, 8) == 0)
        let d = try #require(
            DebuginfodClient(
                config: DebuginfodConfig(urls: ["http://127.0.0.1:\(port.port)"], cachePath: cache, timeoutSeconds: 5)))
        let start = Date()
        #expect(d.findExecutable(buildID: id) == first)
        #expect(Date().timeIntervalSince(start) < 1)
    }

    /// A server that accepts the connection and never answers: the lookup gives up after the timeout.
    @Test func silentServerTimesOut() throws {
        let server = try loopbackSocket(listen: true)
        defer { close(server.fd) }
        let cache = Self.cache()
        defer { try? FileManager.default.removeItem(atPath: cache) }
        let c = try #require(
            DebuginfodClient(
                config: DebuginfodConfig(urls: ["http://127.0.0.1:\(server.port)"], cachePath: cache, timeoutSeconds: 2)
            ))
        let start = Date()
        let r = c.findExecutable(buildID: "e36743a4395ef50425a2e7612f66d554dabe440b")
        let took = Date().timeIntervalSince(start)
        guard case .failure(let e) = r else { Issue.record("found \(r) on a silent server"); return }
        #expect(e.message.hasPrefix("no answer within 2 s"), "\(e)")
        #expect(took >= 1.5 && took < 10, "took \(took) s")
    }
}
