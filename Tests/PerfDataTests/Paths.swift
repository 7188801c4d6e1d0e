import Foundation

/// Where tests find committed fixtures and the optional shared corpus.
enum Paths {
    /// The package root, found from this source file (CI runs from a clone with sources present).
    static let root: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let fixtures = root.appendingPathComponent("Fixtures")
    /// `../shared` beside the clone; absent in a user's clone, so tests that need it skip.
    static let shared = root.deletingLastPathComponent().appendingPathComponent("shared")
    static var hasShared: Bool { FileManager.default.fileExists(atPath: shared.path) }
    /// Golden files are rewritten only when this is set.
    static var bless: Bool { ProcessInfo.processInfo.environment["STACKFOLD_BLESS"] == "1" }
}
