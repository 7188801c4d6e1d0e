import Foundation

/// A TCP socket bound to a free loopback port; listening (connections accepted by the kernel, never
/// answered) or not (connections refused).
public func loopbackSocket(listen doListen: Bool) throws -> (fd: Int32, port: UInt16) {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    guard fd >= 0 else { throw POSIXError(.EMFILE) }
    var a = sockaddr_in()
    a.sin_family = sa_family_t(AF_INET)
    a.sin_addr.s_addr = inet_addr("127.0.0.1")
    var len = socklen_t(MemoryLayout<sockaddr_in>.size)
    let ok = withUnsafeMutablePointer(to: &a) { p in
        p.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, len) == 0 && getsockname(fd, $0, &len) == 0 }
    }
    guard ok, !doListen || listen(fd, 8) == 0 else { close(fd); throw POSIXError(.EADDRNOTAVAIL) }
    return (fd, UInt16(bigEndian: a.sin_port))
}

/// A loopback TCP port nobody listens on: bound, then closed, so connecting is refused.
public func closedLoopbackPort() throws -> UInt16 {
    let s = try loopbackSocket(listen: false)
    close(s.fd)
    return s.port
}
