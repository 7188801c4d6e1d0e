#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Paths built from names that a capture or a binary recorded (mmap file names, `.gnu_debuglink`,
/// build-ids), kept inside the folder they are joined to: whoever made the file chose the name, so
/// `--symfs ROOT` plus `/../../../../home/me/.ssh/id_rsa` must not leave ROOT.
public enum ConfinedPath {
    /// `name` as an absolute path with `.`, empty components and `..` resolved lexically; `..` at the
    /// top stays at the top, as the kernel resolves `/..`.
    public static func normalise(_ name: String) -> String {
        var parts: [Substring] = []
        for p in name.split(separator: "/", omittingEmptySubsequences: true) {
            if p == "." { continue }
            if p == ".." { _ = parts.popLast(); continue }
            parts.append(p)
        }
        return "/" + parts.joined(separator: "/")
    }

    /// `root` joined with `name` normalised, when the file exists and its real path (symlinks resolved)
    /// lies inside the real path of `root`; nil otherwise (missing, or a symlink leading out of `root`).
    /// The joined path is returned rather than the real one so that messages name what the capture named.
    public static func join(root: String, _ name: String) -> String? {
        var base = root
        while base.count > 1, base.hasSuffix("/") { base.removeLast() }
        let joined = (base == "/" ? "" : base) + normalise(name)
        guard let realRoot = realPath(base), let real = realPath(joined) else { return nil }
        return within(real, realRoot) ? joined : nil
    }

    /// Whether `path` is `root` or below it (both real paths).
    static func within(_ path: String, _ root: String) -> Bool {
        if root == "/" { return true }
        return path == root || path.hasPrefix(root + "/")
    }

    /// Whether a `.gnu_debuglink` name is a plain file name, as gdb and perf expect: the debug file is
    /// looked for beside the binary and under the debug folders, never at a path the binary chose.
    public static func isBaseName(_ name: String) -> Bool {
        !name.isEmpty && name != "." && name != ".." && !name.contains("/") && !name.utf8.contains(0)
    }

    /// Whether a build-id is lowercase hex (as readers format it) of a plausible length, so that the
    /// `.build-id/ab/cdef…` paths made from it stay inside their folder.
    public static func isBuildID(_ id: String) -> Bool {
        (3...128).contains(id.utf8.count)
            && id.utf8.allSatisfy { ($0 >= 0x30 && $0 <= 0x39) || ($0 >= 0x61 && $0 <= 0x66) }
    }

    static func realPath(_ path: String) -> String? {
        guard let p = realpath(path, nil) else { return nil }
        defer { free(p) }
        return String(cString: p)
    }
}

/// The last component of a path.
func basename(_ s: String) -> String {
    if let i = s.lastIndex(of: "/") { return String(s[s.index(after: i)...]) }
    return s
}
