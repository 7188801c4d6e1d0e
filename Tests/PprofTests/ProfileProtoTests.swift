import Foundation
import Pprof
import SwiftProtobuf
import Testing

/// The committed generated code (Sources/Pprof/Generated) against protoc itself: a profile in text
/// format, encoded by Debian's protoc (Fixtures/generate-pprof-protoc.sh), decodes to the same
/// fields and encodes back to the same bytes.
@Suite struct ProfileProtoTests {
    static let dir = Paths.fixtures.appendingPathComponent("pprof/protoc")

    @Test func generatedCodeEncodesAsProtoc() throws {
        let text = try String(contentsOf: Self.dir.appendingPathComponent("profile.txtpb"), encoding: .utf8)
        let fromText = try Perftools_Profiles_Profile(textFormatString: text)
        let protocBytes = try Data(contentsOf: Self.dir.appendingPathComponent("profile.pb"))
        #expect(try fromText.serializedBytes() == [UInt8](protocBytes))
    }

    @Test func generatedCodeDecodesProtocOutput() throws {
        let p = try Perftools_Profiles_Profile(serializedBytes: [UInt8](
            try Data(contentsOf: Self.dir.appendingPathComponent("profile.pb"))))
        #expect(p.stringTable.count == 14 && p.stringTable[0] == "")
        #expect(p.sample.map(\.locationID) == [[2, 1], [1]])
        #expect(p.sample[0].value == [3, 30_000_000])
        #expect(p.sample[0].label[1].num == 42 && p.sample[0].label[1].numUnit == 8)
        #expect(p.location[1].line.map(\.functionID) == [2, 1] && p.location[1].line[0].column == 5)
        #expect(p.mapping[0].hasInlineFrames_p && p.mapping[0].buildID == 10)
        #expect(p.timeNanos == 1_764_712_800_000_000_000 && p.period == 10_000_000 && p.defaultSampleType == 3)
    }
}
