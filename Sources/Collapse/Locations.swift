// Locations: what a fold keeps for outputs that need addresses and mappings, not only names (pprof).
// With `PerfCollapseOptions.recordLocations`, every sample's stack is also interned as a sequence of
// location ids (root first, like the names), one per callchain entry that gave names; the names of a
// location are exactly the ones the fold gave that entry, so the two stacks always agree.
import PerfData
import Symbolize

/// One entry of a sample's stack as the fold met it.
public struct StackLocation: Sendable {
    public struct Kind: RawRepresentable, Hashable, Sendable {
        public var rawValue: UInt8
        public init(rawValue: UInt8) { self.rawValue = rawValue }
        /// The root frame the fold adds: the thread's comm (`text`).
        public static let root = Kind(rawValue: 0)
        /// A callchain address inside a recorded mapping.
        public static let mapped = Kind(rawValue: 1)
        /// A callchain address outside every recorded mapping (`[unknown]`).
        public static let unmapped = Kind(rawValue: 2)
        /// A name without an address: a `[caller of f]` placeholder or the `[truncated: …]` marker.
        public static let named = Kind(rawValue: 3)
    }
    public var kind: Kind
    /// The mapping holding `address` (`mapped` only).
    public var mapping: Mapping?
    /// The callchain entry as recorded: a return address unless `exact`.
    public var address: UInt64
    /// The address is where the thread was interrupted (the sampled PC), not a return address.
    public var exact: Bool
    public var mode: CPUMode
    /// The name ids the fold gave this entry, root first (several for inlined frames).
    public var names: [UInt32]
    /// The root's comm as recorded (the root frame has its spaces made `_`).
    public var text: String?
}

/// One source line of a location, innermost first as pprof orders them.
public struct LocationLine: Sendable, Equatable {
    /// The name the fold shows (`goPrintName` of Go's, plus whatever annotations the options ask for).
    public var name: String
    /// The name as the binary spells it (the linker's, generic shapes kept).
    public var systemName: String
    public var file: String?
    public var line: Int
    /// The line the function starts at (pclntab or DW_AT_decl_line); 0 when the binary does not say.
    public var startLine: Int = 0
    /// Named from the binary or the kernel's symbols (false: a `[binary]` placeholder, `[unknown]`).
    public var fromSymbols: Bool
}

struct LocationRecorder {
    /// The location id of each run of `sampleFrames` (one per (address, tag)), by the run's start in its
    /// pool: the fold has just found the run, so this is an array read, not a second hash probe per frame.
    var cache = DenseIDs()
    /// Root and placeholder locations by name id: a `FrameKey` hashed with SipHash once per sample was
    /// a twentieth of writing a pprof.
    var rootLocations = DenseIDs()
    var namedLocations = DenseIDs()
    var byKey: [PerfCollapser.FrameKey: UInt32] = [:]
    var locations: [StackLocation] = []
    var scratch = FrameScratch()
    var stacks = StackCounter()
    /// Per recorded sample (`sampleRecords`), its location stack.
    var sampleStacks: [Int32] = []
    /// Root name id -> the comm it was made from.
    var comms: [UInt32: String] = [:]
    /// The frames the fold symbolized per key, innermost first, for `lines(of:)`: symbolizing each
    /// location again cost 7 % of writing a pprof.
    var frames: [PerfCollapser.FrameKey: [(frame: SourceFrame?, symbols: Bool)]] = [:]

    mutating func location(_ key: PerfCollapser.FrameKey, _ make: () -> StackLocation) -> UInt32 {
        if let id = byKey[key] { return id }
        let id = UInt32(locations.count)
        locations.append(make())
        byKey[key] = id
        return id
    }
}

extension PerfCollapser {
    /// Mapping keys of location kinds without a mapping (mapping ids are >= 0).
    static let unmappedKey = -1, namedKey = -2, rootKey = -3

    /// Starts a sample's location stack with its root frame.
    mutating func beginLocations(root: UInt32) {
        recorder.scratch.removeAll()
        if let id = recorder.rootLocations[Int(root)] {
            recorder.scratch.append(id)
            return
        }
        let key = FrameKey(mapping: Self.rootKey, address: UInt64(root), exact: false)
        let comm = recorder.comms[root]
        let id = recorder.location(key) {
            StackLocation(kind: .root, mapping: nil, address: 0, exact: false, mode: .unknown, names: [root], text: comm)
        }
        recorder.rootLocations[Int(root)] = id
        recorder.scratch.append(id)
    }

    /// A placeholder entry (its chain entry holds a name id).
    mutating func noteNamedLocation(_ name: UInt32) {
        if let id = recorder.namedLocations[Int(name)] {
            recorder.scratch.append(id)
            return
        }
        let key = FrameKey(mapping: Self.namedKey, address: UInt64(name), exact: false)
        let id = recorder.location(key) {
            StackLocation(kind: .named, mapping: nil, address: 0, exact: false, mode: .unknown, names: [name])
        }
        recorder.namedLocations[Int(name)] = id
        recorder.scratch.append(id)
    }

    /// The entry `address` whose names are `run` of `sampleFrames.pool` (`tag` as `appendNames` makes it).
    @inline(__always)
    mutating func noteLocation(_ address: UInt64, tag: UInt64, mode: CPUMode, exact: Bool, pid: Int32, model: ProcessModel,
                               run: (Int, Int)) {
        if let id = recorder.cache[run.0] {
            recorder.scratch.append(id)
        } else {
            newLocation(address, mode: mode, exact: exact, pid: pid, model: model, run: run)
        }
    }

    /// The first time the fold meets a run: its location. Never inlined: inlined, it made `appendNames`
    /// too large to be inlined in the fold's loop (collapse, which never records locations, took 1.6 %
    /// more instructions).
    @inline(never)
    mutating func newLocation(_ address: UInt64, mode: CPUMode, exact: Bool, pid: Int32, model: ProcessModel,
                              run: (Int, Int)) {
        let m = model.mapping(pid: pid, address: address, mode: mode)
        let key = FrameKey(mapping: m?.id ?? Self.unmappedKey, address: address, exact: exact)
        let names = Array(sampleFrames.pool[run.0..<run.0 + run.1])
        let id = recorder.location(key) {
            StackLocation(kind: m == nil ? .unmapped : .mapped, mapping: m, address: address, exact: exact, mode: mode, names: names)
        }
        recorder.cache[run.0] = id
        recorder.scratch.append(id)
    }

    /// Ends a sample's location stack.
    mutating func endLocations(weight: UInt64) {
        let index = recorder.scratch.withIDs { recorder.stacks.add($0, weight: weight) }
        if options.recordSamples { recorder.sampleStacks.append(Int32(index)) }
    }

    /// Every location met, by id.
    public var locations: [StackLocation] { recorder.locations }
    /// The location ids of unique location stack `index`, root first.
    public func locationStack(_ index: Int32) -> ArraySlice<UInt32> { recorder.stacks.stack(Int(index)) }
    /// How many unique location stacks there are.
    public var locationStackCount: Int { recorder.stacks.uniqueCount }
    /// Per recorded sample (`sampleRecords`, same order), its location stack (`recordLocations`).
    public var sampleLocationStacks: [Int32] { recorder.sampleStacks }

    /// The source lines of a location, innermost first, named as the fold named it.
    public mutating func lines(of loc: StackLocation) -> [LocationLine] {
        let folded = loc.names.reversed().map { name($0) }
        guard loc.kind == .mapped, let m = loc.mapping else {
            return folded.map { LocationLine(name: $0, systemName: $0, file: nil, line: 0, fromSymbols: false) }
        }
        let key = FrameKey(mapping: m.id, address: loc.address, exact: loc.exact)
        let frames = recorder.frames[key]
            ?? symbolizedFrames(loc.address, mapping: m, exact: loc.exact, mode: loc.mode).reversed().map { ($0.frame, $0.symbols) }
        // The same lookups the fold made: the same names, in the same number (else the names alone).
        guard frames.count == folded.count else {
            return folded.map { LocationLine(name: $0, systemName: $0, file: nil, line: 0, fromSymbols: false) }
        }
        return zip(folded, frames).map { n, f in
            LocationLine(name: n, systemName: f.frame?.function ?? n, file: f.frame.map(\.file).flatMap { $0 == "?" || $0.isEmpty ? nil : $0 },
                         line: f.frame?.line ?? 0, startLine: f.frame?.startLine ?? 0, fromSymbols: f.symbols)
        }
    }

    /// Keeps the frames `names(for:)` symbolized for `key` (root first, as `symbolizedFrames` gives them).
    mutating func keepFrames(_ frames: [(name: String, frame: SourceFrame?, symbols: Bool)], _ key: FrameKey) {
        recorder.frames[key] = frames.reversed().map { ($0.frame, $0.symbols) }
    }

    /// Name `id` as the fold shows it.
    public func name(_ id: UInt32) -> String { String(decoding: nameTable.names[Int(id)], as: UTF8.self) }
}

/// Location ids by a small dense index: a name id, or the start of a non-empty run in
/// `PerfCollapser.sampleFrames.pool` (each such run belongs to one (address, tag), and the pool only
/// grows until both are emptied together). As large as the largest index, which the names or the pool
/// already take.
struct DenseIDs {
    private var ids: [UInt32] = []

    subscript(start: Int) -> UInt32? {
        get { start < ids.count && ids[start] != .max ? ids[start] : nil }
        set {
            if start >= ids.count { ids += repeatElement(.max, count: start + 1 - ids.count) }
            ids[start] = newValue ?? .max
        }
    }

    mutating func removeAll() { ids.removeAll(keepingCapacity: true) }
}
