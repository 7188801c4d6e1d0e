@testable import GoTrace
import Testing

/// Closed spans are kept in fixed-size chunks and put in start order by a merge of their groups.
/// Fixture traces fit in one chunk: these cross several.
@Suite struct SpanLogTests {
    static func span(_ i: Int, group: Int32, start: Int64) -> AnalysisSpan {
        AnalysisSpan(start: start, end: start + 5, rawStart: start, rawEnd: start + 5, m: Int64(group), p: 0, g: Int64(i),
                     scope: 0, text: 0, group: group, kind: 0, active: false)
    }

    @Test func spansAcrossChunksComeBackInOrder() {
        let log = SpanLog(chunkSize: 1000)
        let n = log.chunkSize * 2 + 123
        for i in 0..<n { log.append(Self.span(i, group: 0, start: Int64(i))) }
        #expect(log.count == n)
        #expect(log.chunks.count == 3)
        var seen = 0, inOrder = true
        log.forEach { s in
            if s.g != Int64(seen) { inOrder = false }
            seen += 1
        }
        #expect(seen == n && inOrder)
        for i in [0, log.chunkSize - 1, log.chunkSize, 2 * log.chunkSize + 17, n - 1] { #expect(log[i].g == Int64(i)) }
    }

    @Test func groupsMergeByStartAcrossChunks() {
        // Three groups, each in start order, interleaved as they close; starts collide across groups.
        let log = SpanLog(chunkSize: 1000)
        let n = log.chunkSize * 3 + 500
        for i in 0..<n { log.append(Self.span(i, group: Int32(i % 3), start: Int64(i / 3 * 2 + (i % 3 == 2 ? 1 : 0)))) }
        let merged = inStartOrder(log, groups: 3, key: { ($0.m, 0) }) { $0 }
        #expect(merged.count == n)
        var sorted = true
        for k in 1..<merged.count {
            let a = merged[k - 1], b = merged[k]
            // By start, ties by key (the group here), then as appended.
            if (a.start, a.m, a.g) >= (b.start, b.m, b.g) { sorted = false }
        }
        #expect(sorted)
        #expect(Set(merged.map(\.g)).count == n)
    }
}
