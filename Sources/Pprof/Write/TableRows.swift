// The profile's locations (field 4) and functions (field 5), encoded by hand as SampleRows encodes the
// samples: swift-protobuf sizes every nested message once per level (a Location's Lines twice), which
// was 5 % of writing the bench capture's profile. The bytes are swift-protobuf's own (SampleRowsTests
// compares the whole profile on real captures, TableRowsTests the edge values).

enum TableRows {
    /// Appends `locations` as profile.proto's repeated `Location location = 4`.
    static func encode(locations: [Perftools_Profiles_Location], into out: inout [UInt8]) {
        for l in locations {
            var size = uintFieldSize(l.id) &+ uintFieldSize(l.mappingID) &+ uintFieldSize(l.address)
            for line in l.line {
                let n = lineSize(line)
                size &+= 1 &+ varintSize(UInt64(n)) &+ n
            }
            if l.isFolded { size &+= 2 }
            out.append(0x22)
            putVarint(UInt64(size), &out)
            putUIntField(0x08, l.id, &out)
            putUIntField(0x10, l.mappingID, &out)
            putUIntField(0x18, l.address, &out)
            for line in l.line {
                out.append(0x22)
                putVarint(UInt64(lineSize(line)), &out)
                putUIntField(0x08, line.functionID, &out)
                putUIntField(0x10, UInt64(bitPattern: line.line), &out)
                putUIntField(0x18, UInt64(bitPattern: line.column), &out)
            }
            if l.isFolded { out += [0x28, 0x01] }
        }
    }

    /// Appends `functions` as profile.proto's repeated `Function function = 5`.
    static func encode(functions: [Perftools_Profiles_Function], into out: inout [UInt8]) {
        for f in functions {
            let name = UInt64(bitPattern: f.name), system = UInt64(bitPattern: f.systemName)
            let file = UInt64(bitPattern: f.filename), start = UInt64(bitPattern: f.startLine)
            let size = uintFieldSize(f.id) &+ uintFieldSize(name) &+ uintFieldSize(system) &+ uintFieldSize(file)
                &+ uintFieldSize(start)
            out.append(0x2a)
            putVarint(UInt64(size), &out)
            putUIntField(0x08, f.id, &out)
            putUIntField(0x10, name, &out)
            putUIntField(0x18, system, &out)
            putUIntField(0x20, file, &out)
            putUIntField(0x28, start, &out)
        }
    }

    private static func lineSize(_ l: Perftools_Profiles_Line) -> Int {
        uintFieldSize(l.functionID) &+ uintFieldSize(UInt64(bitPattern: l.line)) &+ uintFieldSize(UInt64(bitPattern: l.column))
    }
}

/// A varint field's size with its one-byte tag; 0 when the value is 0 (proto3 leaves it out).
@inline(__always) func uintFieldSize(_ v: UInt64) -> Int { v == 0 ? 0 : 1 &+ varintSize(v) }

@inline(__always) func putUIntField(_ tag: UInt8, _ v: UInt64, _ out: inout [UInt8]) {
    guard v != 0 else { return }
    out.append(tag)
    putVarint(v, &out)
}
