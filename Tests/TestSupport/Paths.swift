import Foundation

/// Where tests find committed fixtures. Shared by every test target (each has `typealias Paths`).
public enum Paths {
    /// The package root, found from this source file (CI runs from a clone with sources present).
    public static let root: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    public static let fixtures = root.appendingPathComponent("Fixtures")
    /// Golden files are rewritten only when this is set.
    public static var bless: Bool { ProcessInfo.processInfo.environment["STACKFOLD_BLESS"] == "1" }
}
