// The deduplicated tables of a profile being written: strings, functions, locations, mappings.
// Ids are numbered 1…n in the order first met (Parca requires id == index + 1), so the same fold
// writes the same bytes.
import Collapse
import PerfData

struct StringTable {
    private(set) var strings: [String] = [""]
    private var index: [String: Int64] = ["": 0]

    mutating func id(_ s: String) -> Int64 {
        if let i = index[s] { return i }
        let i = Int64(strings.count)
        strings.append(s)
        index[s] = i
        return i
    }
}

/// What a pprof mapping says about how far its locations are symbolized.
struct MappingFacts {
    var mapping: Mapping
    var functions = false
    var filenames = false
    var lineNumbers = false
}

struct ProfileTables {
    var strings = StringTable()
    var functions: [Perftools_Profiles_Function] = []
    private var functionIDs: [FunctionKey: UInt64] = [:]
    /// Per function (id - 1), its key; per fold name id, the function last met with that name.
    private var functionKeys: [FunctionKey] = []
    private var functionByName: [UInt64] = []
    var locations: [Perftools_Profiles_Location] = []
    /// Temporary mapping index per location (-1: none), renumbered by `finishMappings`.
    var locationMapping: [Int] = []
    var mappings: [MappingFacts] = []
    private var mappingIndex: [MappingKey: Int] = [:]
    private var mappingByID: [Int] = []

    struct FunctionKey: Hashable { var name: String, system: String, file: String, startLine: Int }
    struct MappingKey: Hashable {
        var start: UInt64, end: UInt64, offset: UInt64
        var file: String, buildID: String
    }

    /// The function of `l`; `nameID`, the fold's id of `l.name`: the function last made or found for that
    /// name is tried first, its key compared rather than hashed (three strings per line).
    mutating func function(_ l: LocationLine, nameID: UInt32) -> UInt64 {
        let key = FunctionKey(name: l.name, system: l.systemName, file: l.file ?? "", startLine: l.startLine)
        let n = Int(nameID)
        if n < functionByName.count, functionByName[n] != 0, functionKeys[Int(functionByName[n]) - 1] == key {
            return functionByName[n]
        }
        let id = function(key, l)
        if n >= functionByName.count { functionByName += repeatElement(0, count: n + 1 - functionByName.count) }
        functionByName[n] = id
        return id
    }

    mutating func function(_ l: LocationLine) -> UInt64 {
        function(FunctionKey(name: l.name, system: l.systemName, file: l.file ?? "", startLine: l.startLine), l)
    }

    private mutating func function(_ key: FunctionKey, _ l: LocationLine) -> UInt64 {
        if let id = functionIDs[key] { return id }
        var f = Perftools_Profiles_Function()
        f.id = UInt64(functions.count + 1)
        f.name = strings.id(l.name)
        // Only where it differs (Go's generic shapes): go tool pprof "demangles" a function whose name
        // equals its system name, and turns kernel and C names like __x64_sys_madvise into _x64_sys_madvise.
        if l.systemName != l.name { f.systemName = strings.id(l.systemName) }
        if let file = l.file { f.filename = strings.id(file) }
        f.startLine = Int64(l.startLine)  // 0 (unknown) is not written
        functions.append(f)
        functionKeys.append(key)
        functionIDs[key] = f.id
        return f.id
    }

    mutating func mapping(_ m: Mapping) -> Int {
        // By the fold's mapping id first: hashing the key's path and build-id per location cost more.
        // Mapping ids are small and dense (ProcessModel numbers them); anything else takes the long way.
        let small = m.id >= 0 && m.id < 1 << 20
        if small, m.id < mappingByID.count, mappingByID[m.id] >= 0 {
            let i = mappingByID[m.id]
            if Self.key(mappings[i].mapping) == Self.key(m) { return i }
        }
        let i = mappingByKey(m)
        if small {
            if m.id >= mappingByID.count { mappingByID += repeatElement(-1, count: m.id + 1 - mappingByID.count) }
            mappingByID[m.id] = i
        }
        return i
    }

    private static func key(_ m: Mapping) -> MappingKey {
        MappingKey(start: m.start, end: m.end, offset: m.pageOffset, file: m.filename, buildID: m.buildID ?? "")
    }

    private mutating func mappingByKey(_ m: Mapping) -> Int {
        let key = Self.key(m)
        if let i = mappingIndex[key] { return i }
        mappings.append(MappingFacts(mapping: m))
        mappingIndex[key] = mappings.count - 1
        return mappings.count - 1
    }

    /// A location for `loc`, keeping the lines `keep` allows (innermost first, as `lines`); its id.
    mutating func location(_ loc: StackLocation, lines: [LocationLine]) -> UInt64 {
        var l = Perftools_Profiles_Location()
        l.id = UInt64(locations.count + 1)
        var m = -1
        if loc.kind == .mapped || loc.kind == .unmapped {
            // A return address points after the call: pprof wants the call itself (runtime/pprof
            // writes Frame.PC, the call's address, and perf_data_converter subtracts 1 too).
            l.address = loc.exact || loc.address == 0 ? loc.address : loc.address &- 1
        }
        if loc.kind == .mapped, let mp = loc.mapping {
            m = mapping(mp)
            for line in lines {
                if line.fromSymbols { mappings[m].functions = true }
                if line.file != nil { mappings[m].filenames = true }
                if line.line > 0 { mappings[m].lineNumbers = true }
            }
        }
        // Lines from `PerfCollapser.lines(of:)`, all kept: line k is named by names[count - 1 - k].
        let named = lines.count == loc.names.count
        l.line = lines.enumerated().map { k, line in
            var pl = Perftools_Profiles_Line()
            pl.functionID = named ? function(line, nameID: loc.names[loc.names.count - 1 - k]) : function(line)
            pl.line = Int64(line.line)
            return pl
        }
        locations.append(l)
        locationMapping.append(m)
        return l.id
    }

    /// The mappings, the one most samples touch first (pprof reads `mapping[0]` as the main binary),
    /// the rest as first met; locations get their final mapping ids.
    mutating func finishMappings(_ rows: SampleRows) -> [Perftools_Profiles_Mapping] {
        guard !mappings.isEmpty else { return [] }
        var weight = [Int64](repeating: 0, count: mappings.count)
        var seen = [Int](repeating: -1, count: mappings.count)
        for si in 0..<rows.count {
            for id in rows.stacks[Int(rows.stackOf[si])] {
                let m = locationMapping[Int(id) - 1]
                if m >= 0, seen[m] != si {
                    seen[m] = si
                    weight[m] &+= rows.counts[si]
                }
            }
        }
        var main = 0
        for i in weight.indices where weight[i] > weight[main] { main = i }
        let order = [main] + mappings.indices.filter { $0 != main }
        var newID = [UInt64](repeating: 0, count: mappings.count)
        for (k, i) in order.enumerated() { newID[i] = UInt64(k + 1) }
        for i in locations.indices where locationMapping[i] >= 0 { locations[i].mappingID = newID[locationMapping[i]] }
        return order.map { i in
            let f = mappings[i]
            var pm = Perftools_Profiles_Mapping()
            pm.id = newID[i]
            pm.memoryStart = f.mapping.start
            pm.memoryLimit = f.mapping.end
            pm.fileOffset = f.mapping.pageOffset
            pm.filename = strings.id(f.mapping.filename)
            if let b = f.mapping.buildID { pm.buildID = strings.id(b) }
            // Every location carries the names collapse gives it, a `[binary]` placeholder where the
            // binary could not be read: has_functions stops pprof from re-symbolizing them with
            // whatever file now sits at that path (go tool pprof does not check build-ids there).
            pm.hasFunctions_p = true
            pm.hasFilenames_p = f.filenames
            pm.hasLineNumbers_p = f.lineNumbers
            // File names come only from pclntab or DWARF, which give inlined frames too.
            pm.hasInlineFrames_p = f.filenames
            return pm
        }
    }
}
