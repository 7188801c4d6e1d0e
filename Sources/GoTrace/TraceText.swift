import Synchronization

/// A string that ranges and runs carry (an STW reason, a goroutine's label), as an id into one table for
/// the process: a trace has a handful of them, shared by hundreds of thousands of values. Values that hold
/// no String are plain memory: with a String inside, every copy and every destruction of a range was a
/// call (7 % of reading a trace), and a range took 88 bytes instead of 72.
public struct TraceText: Sendable, Hashable {
    public let id: UInt32
    public static let empty = TraceText(id: 0)

    private init(id: UInt32) { self.id = id }

    public init(_ s: String) { id = s.isEmpty ? 0 : TraceTexts.shared.id(s) }

    public var string: String { id == 0 ? "" : TraceTexts.shared.string(id) }
    public var isEmpty: Bool { id == 0 }
}

/// The strings behind `TraceText` ids; only ever added to.
final class TraceTexts: Sendable {
    static let shared = TraceTexts()
    private let table = Mutex<(strings: [String], ids: [String: UInt32])>(([""], ["": 0]))

    func id(_ s: String) -> UInt32 {
        table.withLock { t in
            if let i = t.ids[s] { return i }
            // Each id stands for a String held here: memory runs out long before 2^32 of them.
            let i = UInt32(t.strings.count)
            t.strings.append(s)
            t.ids[s] = i
            return i
        }
    }

    func string(_ id: UInt32) -> String { table.withLock { $0.strings[Int(id)] } }
}
