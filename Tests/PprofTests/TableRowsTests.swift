@testable import Pprof
import SwiftProtobuf
import Testing

/// The writer encodes locations and functions by hand (TableRows); the bytes must be swift-protobuf's.
/// SampleRowsTests compares whole profiles of real captures; here, every varint width, negative values
/// (ten bytes), zero fields left out, empty messages and `is_folded`.
@Suite struct TableRowsTests {
    static let values: [UInt64] = [0, 1, 127, 128, 16_383, 16_384, 1 << 35, 1 << 63, .max]

    @Test func edgeValues() throws {
        let v = Self.values, n = v.count
        var p = Perftools_Profiles_Profile()
        p.location.append(Perftools_Profiles_Location())
        p.function.append(Perftools_Profiles_Function())
        for i in 0..<n {
            var l = Perftools_Profiles_Location()
            l.id = v[i]
            l.mappingID = v[(i + 1) % n]
            l.address = v[(i + 2) % n]
            l.isFolded = i % 2 == 1
            l.line = (0..<(i % 4)).map { k in
                var line = Perftools_Profiles_Line()
                line.functionID = v[(i + k) % n]
                line.line = Int64(bitPattern: v[(i + k + 3) % n])
                line.column = 0 - Int64(k)
                return line
            }
            p.location.append(l)
            var f = Perftools_Profiles_Function()
            f.id = v[i]
            f.name = Int64(bitPattern: v[(i + 1) % n])
            f.systemName = Int64(bitPattern: v[(i + 2) % n])
            f.filename = Int64(bitPattern: v[(i + 3) % n])
            f.startLine = i % 3 == 0 ? -1 : Int64(bitPattern: v[(i + 4) % n])
            p.function.append(f)
        }
        var out: [UInt8] = []
        TableRows.encode(locations: p.location, into: &out)
        TableRows.encode(functions: p.function, into: &out)
        #expect(out == (try p.serializedBytes() as [UInt8]))
    }
}
