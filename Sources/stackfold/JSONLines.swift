// JSON output of the commands: library values (Encodable) encoded one object per line.
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import BinaryIO

/// One JSON object per line. Keys sorted, so that the same input gives the same bytes (JSONEncoder's
/// order is otherwise unspecified); `/` left unescaped, as the hand-written JSON had it.
struct JSONLines {
    let encoder: JSONEncoder

    init() {
        encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
    }

    func append(_ value: some Encodable, to out: inout OutputBuffer) throws {
        let data = try encoder.encode(value)
        data.withUnsafeBytes { out.append(bytes: $0) }
        out.append(byte: 0x0a)
    }
}
