/// google/pprof's checks of a decoded profile (profile/encode.go, profile.go `CheckValid`), and the
/// resolution of its ids and string indexes to names. A failure names the first thing wrong.
struct ProfileCheck {
    struct Failure: Error { var message: String }

    struct Resolved {
        var sampleTypes: [PprofProfile.ValueType] = []
        var defaultSampleType: String?
        var periodType: PprofProfile.ValueType?
        var mainBinary: String?
        var names: [String] = []
        var locations: [[UInt32]] = []
        var sampleLocations: [[Int32]] = []
        var sampleValues: [[Int64]] = []
        var unsymbolized = 0
    }

    let p: Perftools_Profiles_Profile
    init(_ p: Perftools_Profiles_Profile) { self.p = p }

    /// `string_table[i]`, or a failure naming the field when `i` is outside the table.
    func string(_ i: Int64, _ field: String) throws(Failure) -> String {
        guard i >= 0, i < p.stringTable.count else {
            throw Failure(message: "\(field) is string \(i), outside the string table of \(p.stringTable.count)")
        }
        return p.stringTable[Int(i)]
    }

    func resolve() throws(Failure) -> Resolved {
        guard !p.stringTable.isEmpty else { throw Failure(message: "no string table (is the profile cut short?)") }
        guard p.stringTable.first == "" else { throw Failure(message: "string_table[0] is not the empty string") }
        var r = Resolved()
        for (i, t) in p.sampleType.enumerated() {
            r.sampleTypes.append(.init(type: try string(t.type, "sample_type[\(i)].type"), unit: try string(t.unit, "sample_type[\(i)].unit")))
        }
        guard !r.sampleTypes.isEmpty else { throw Failure(message: "no sample type") }
        if p.defaultSampleType != 0 { r.defaultSampleType = try string(p.defaultSampleType, "default_sample_type") }
        if p.hasPeriodType {
            r.periodType = .init(type: try string(p.periodType.type, "period_type.type"), unit: try string(p.periodType.unit, "period_type.unit"))
        }
        try checkStrings()
        let mappings = try mappingNames()
        r.mainBinary = p.mapping.first.flatMap { mappings[$0.id] ?? nil }
        let functions = try functionNames()
        try resolveLocations(functions: functions, mappings: mappings, into: &r)
        try resolveSamples(into: &r)
        return r
    }

    /// The string indexes that are not resolved below: each must be in the table.
    private func checkStrings() throws(Failure) {
        for (i, c) in p.comment.enumerated() { _ = try string(c, "comment[\(i)]") }
        _ = try string(p.dropFrames, "drop_frames")
        _ = try string(p.keepFrames, "keep_frames")
        _ = try string(p.docURL, "doc_url")
        for (i, s) in p.sample.enumerated() {
            for l in s.label {
                _ = try string(l.key, "sample[\(i)] label key")
                _ = try string(l.str, "sample[\(i)] label str")
                _ = try string(l.numUnit, "sample[\(i)] label num_unit")
            }
        }
    }

    /// Mapping id -> the base name of its file (nil when it has none).
    private func mappingNames() throws(Failure) -> [UInt64: String?] {
        var byID: [UInt64: String?] = [:]
        for m in p.mapping {
            guard m.id != 0 else { throw Failure(message: "a mapping has the reserved id 0") }
            let file = try string(m.filename, "mapping \(m.id) filename")
            _ = try string(m.buildID, "mapping \(m.id) build_id")
            guard byID.updateValue(file.isEmpty ? nil : file, forKey: m.id) == nil else {
                throw Failure(message: "more than one mapping has id \(m.id)")
            }
        }
        return byID
    }

    /// Function id -> its name, or nil for a function without one.
    private func functionNames() throws(Failure) -> [UInt64: String?] {
        var byID: [UInt64: String?] = [:]
        for f in p.function {
            guard f.id != 0 else { throw Failure(message: "a function has the reserved id 0") }
            let name = try string(f.name, "function \(f.id) name")
            _ = try string(f.systemName, "function \(f.id) system_name")
            _ = try string(f.filename, "function \(f.id) filename")
            guard byID.updateValue(name.isEmpty ? nil : name, forKey: f.id) == nil else {
                throw Failure(message: "more than one function has id \(f.id)")
            }
        }
        return byID
    }

    /// Locations' frames as name ids (innermost first). Frames without a function name are named as
    /// pprof's -top names them: `[binary]` after their mapping's file, else `<unknown>`.
    private func resolveLocations(functions: [UInt64: String?], mappings: [UInt64: String?], into r: inout Resolved) throws(Failure) {
        var ids: [String: UInt32] = [:]
        func intern(_ s: String) -> UInt32 {
            if let id = ids[s] { return id }
            let id = UInt32(r.names.count)
            r.names.append(s)
            ids[s] = id
            return id
        }
        var seen = Set<UInt64>()
        for l in p.location {
            guard l.id != 0 else { throw Failure(message: "a location has the reserved id 0") }
            guard seen.insert(l.id).inserted else { throw Failure(message: "more than one location has id \(l.id)") }
            let binary: String
            if let file = mappings[l.mappingID] ?? nil {
                binary = "[" + (file.split(separator: "/").last.map(String.init) ?? file) + "]"
            } else {
                binary = "<unknown>"
            }
            var frames: [UInt32] = []
            frames.reserveCapacity(l.line.count)
            for line in l.line {
                guard let name = functions[line.functionID] else {
                    throw Failure(message: "location \(l.id) has a line with function id \(line.functionID), which no function has")
                }
                frames.append(intern(name ?? binary))
            }
            if frames.isEmpty {
                frames.append(intern(binary))
                r.unsymbolized += 1
            }
            r.locations.append(frames)
        }
    }

    private func resolveSamples(into r: inout Resolved) throws(Failure) {
        var index: [UInt64: Int32] = [:]
        index.reserveCapacity(p.location.count)
        for (i, l) in p.location.enumerated() { index[l.id] = Int32(i) }
        r.sampleLocations.reserveCapacity(p.sample.count)
        r.sampleValues.reserveCapacity(p.sample.count)
        for (i, s) in p.sample.enumerated() {
            guard s.value.count == r.sampleTypes.count else {
                throw Failure(message: "sample \(i) has \(s.value.count) values for \(r.sampleTypes.count) sample types")
            }
            var locs: [Int32] = []
            locs.reserveCapacity(s.locationID.count)
            for id in s.locationID {
                guard let l = index[id] else { throw Failure(message: "sample \(i) names location \(id), which no location has") }
                locs.append(l)
            }
            r.sampleLocations.append(locs)
            r.sampleValues.append(s.value)
        }
    }
}
