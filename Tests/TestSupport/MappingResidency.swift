import BinaryIO
import Foundation

/// How much of a file's mapping is mapped in, for tests of `PageWarmer`.
public enum MappingResidency {
    /// Kilobytes of `file`'s mapping that are mapped in (the `Rss:` of its /proc/self/smaps entry); nil
    /// when the entry is not found.
    public static func residentKB(_ file: MappedFile) -> Int? {
        // MappedFile reads a procfs file to its end (Foundation's String(contentsOfFile:) stops at a page).
        guard let raw = try? MappedFile(path: "/proc/self/smaps"), let base = file.bytes.baseAddress else {
            return nil
        }
        let start = String(UInt(bitPattern: base), radix: 16)
        var inMapping = false
        for line in String(decoding: raw.bytes, as: UTF8.self).split(separator: "\n") {
            if let dash = line.firstIndex(of: "-"), line[..<dash].allSatisfy(\.isHexDigit) {
                inMapping = line[..<dash].drop(while: { $0 == "0" }) == start[...]
            } else if inMapping, line.hasPrefix("Rss:") {
                return Int(line.split(separator: " ")[1])
            }
        }
        return nil
    }
}

/// Whether `condition` holds within `seconds`, looked at every 2 ms (for work another thread does).
public func eventually(within seconds: Double = 10, _ condition: () -> Bool) -> Bool {
    let start = Date()
    while Date().timeIntervalSince(start) < seconds {
        if condition() { return true }
        usleep(2_000)
    }
    return condition()
}
