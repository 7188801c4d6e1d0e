// The profile's locations (field 4) and functions (field 5), encoded by hand as SampleRows encodes the
// samples: swift-protobuf sizes every nested message once per level (a Location's Lines twice), which
// was 5 % of writing the bench capture's profile. The bytes are swift-protobuf's own (SampleRowsTests
// compares the whole profile on real captures, TableRowsTests the edge values).

enum TableRows {
    /// Appends `locations` as profile.proto's repeated `Location location = 4`.
    static func encode(locations: [Perftools_Profiles_Location], into out: inout [UInt8]) {
        out.appendRepeated(locations, tag: 0x22, size: { size($0) }) { w, l in
            w.field(0x08, l.id)
            w.field(0x10, l.mappingID)
            w.field(0x18, l.address)
            for line in l.line {
                w.header(0x22, size(line))
                w.field(0x08, line.functionID)
                w.field(0x10, UInt64(bitPattern: line.line))
                w.field(0x18, UInt64(bitPattern: line.column))
            }
            w.field(0x28, l.isFolded ? 1 : 0)
        }
    }

    /// Appends `functions` as profile.proto's repeated `Function function = 5`.
    static func encode(functions: [Perftools_Profiles_Function], into out: inout [UInt8]) {
        out.appendRepeated(functions, tag: 0x2a, size: { size($0) }) { w, f in
            w.field(0x08, f.id)
            w.field(0x10, UInt64(bitPattern: f.name))
            w.field(0x18, UInt64(bitPattern: f.systemName))
            w.field(0x20, UInt64(bitPattern: f.filename))
            w.field(0x28, UInt64(bitPattern: f.startLine))
        }
    }

    private static func size(_ l: Perftools_Profiles_Location) -> Int {
        var n = fieldSize(l.id) &+ fieldSize(l.mappingID) &+ fieldSize(l.address) &+ (l.isFolded ? 2 : 0)
        for line in l.line { n &+= delimitedSize(size(line)) }
        return n
    }

    private static func size(_ l: Perftools_Profiles_Line) -> Int {
        fieldSize(l.functionID) &+ fieldSize(UInt64(bitPattern: l.line)) &+ fieldSize(UInt64(bitPattern: l.column))
    }

    private static func size(_ f: Perftools_Profiles_Function) -> Int {
        fieldSize(f.id) &+ fieldSize(UInt64(bitPattern: f.name)) &+ fieldSize(UInt64(bitPattern: f.systemName))
            &+ fieldSize(UInt64(bitPattern: f.filename)) &+ fieldSize(UInt64(bitPattern: f.startLine))
    }
}
