import Testing
@testable import BinaryIO

@Suite struct OutputBufferTests {
    @Test(arguments: [0, 7, 10, 1234567890, UInt64.max])
    func decimalMatchesStringConversion(_ v: UInt64) {
        var out = OutputBuffer(fd: -1)
        out.append(decimal: v)
        #expect(String(decoding: out.take(), as: UTF8.self) == String(v))
    }
}
