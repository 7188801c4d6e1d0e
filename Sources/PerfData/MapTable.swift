import BinaryIO

/// A process's executable maps: sorted, non-overlapping, a new map cutting the ones it overlaps (perf's
/// maps__fixup_overlappings). Kept in two levels so that a capture's numbers cannot make it quadratic:
/// `base`, large and shared copy-on-write between forked processes, and `recent`, the last few maps,
/// which shadow `base` and are merged into it when `recent` fills. A fork copies both arrays' references,
/// not their maps (the parent's `recent` is merged first, so children share all of it); an insert
/// moves at most `recent`'s maps, and a merge, once per so many inserts, moves `base` once.
struct MapTable {
    private(set) var base: [Mapping] = []
    private(set) var recent: [Mapping] = []
    static let recentLimit = 64

    var count: Int { base.count + recent.count }

    mutating func insert(_ m: Mapping) {
        // A map ending at or before its start (length 0, or start + length past 2^64) holds no address;
        // the kernel refuses such mmaps, so only a crafted file has them.
        guard m.end > m.start else { return }
        Self.insertCutting(m, into: &recent)
        // Merging moves all of `base`; inserting moves up to all of `recent`: a limit growing as the
        // square root of `base` keeps both near n^1.5 moves for n inserts (50,000 maps: ~3 M).
        if recent.count >= max(Self.recentLimit, 4 * Int(Double(base.count).squareRoot())) { merge() }
    }

    /// `base` cut by every map of `recent` (they are newer), with `recent` merged in; the result is what
    /// inserting them one by one would give.
    mutating func merge() {
        guard !recent.isEmpty else { return }
        var out: [Mapping] = []
        out.reserveCapacity(base.count + 2 * recent.count)
        var r = 0
        func emit(_ piece: Mapping) {
            while r < recent.count, recent[r].start <= piece.start {
                out.append(recent[r])
                r += 1
            }
            out.append(piece)
        }
        for old in base {
            // Most maps overlap no recent one: kept as they are, without cutting.
            if Self.firstOverlap(old, in: recent) == nil { emit(old); continue }
            for piece in Self.cut(old, by: recent) { emit(piece) }
        }
        out.append(contentsOf: recent[r...])
        base = out
        recent.removeAll(keepingCapacity: true)
    }

    /// The map holding `a`: from `recent`, else the piece of `base`'s map that no recent map covers.
    func find(_ a: UInt64) -> Mapping? {
        if let m = Self.find(a, in: recent) { return m }
        guard let m = Self.find(a, in: base) else { return nil }
        if Self.firstOverlap(m, in: recent) == nil { return m }
        return Self.cut(m, by: recent).first { $0.contains(a) }
    }

    /// The map (or the piece of one that no newer map covers) with the greatest start at or below `a`:
    /// the kernel's lookup, where perf stretches each map to the next. Candidates are the last recent
    /// map starting at or below `a` and the last piece of the last base map starting there; pieces of
    /// earlier base maps start before either.
    func findBelow(_ a: UInt64) -> Mapping? {
        let r = Self.lastStarting(atOrBelow: a, in: recent).map { recent[$0] }
        guard let i = Self.lastStarting(atOrBelow: a, in: base) else { return r }
        let piece =
            Self.firstOverlap(base[i], in: recent) == nil
            ? base[i] : Self.cut(base[i], by: recent).last { $0.start <= a }
        guard let piece else { return r }
        guard let r else { return piece }
        return piece.start > r.start ? piece : r
    }

    static func lastStarting(atOrBelow a: UInt64, in maps: [Mapping]) -> Int? {
        maps.lastIndex(atOrBefore: a, by: \.start)
    }

    /// The index of the first map of `maps` (sorted, non-overlapping) that overlaps `m`, if any.
    static func firstOverlap(_ m: Mapping, in maps: [Mapping]) -> Int? {
        let lo = maps.partitionPoint { $0.end <= m.start }
        return lo < maps.count && maps[lo].start < m.end ? lo : nil
    }

    /// The parts of `old` outside every map of `maps` (sorted, non-overlapping), with their page offsets
    /// moved as a cut moves them.
    static func cut(_ old: Mapping, by maps: [Mapping]) -> [Mapping] {
        // The first map that ends after old starts: maps before it cannot overlap.
        let lo = maps.partitionPoint { $0.end <= old.start }
        var pieces: [Mapping] = []
        var rest = old
        var i = lo
        while i < maps.count, maps[i].start < rest.end {
            let m = maps[i]
            if rest.start < m.start {
                var left = rest
                left.end = m.start
                pieces.append(left)
            }
            if rest.end > m.end {
                rest.pageOffset = rest.pageOffset &+ (max(m.end, rest.start) - rest.start)
                rest.start = max(m.end, rest.start)
            } else {
                return pieces
            }
            i += 1
        }
        pieces.append(rest)
        return pieces
    }

    /// Inserts `m` into the sorted, non-overlapping `maps`, cutting the maps it overlaps; moves only
    /// the maps from the first overlapped one on.
    private static func insertCutting(_ m: Mapping, into maps: inout [Mapping]) {
        let lo = maps.partitionPoint { $0.end <= m.start }
        var end = lo
        while end < maps.count, maps[end].start < m.end { end += 1 }
        var replacement: [Mapping] = []
        for old in maps[lo..<end] {
            if old.start < m.start {
                var left = old
                left.end = m.start
                replacement.append(left)
            }
        }
        replacement.append(m)
        for old in maps[lo..<end] where old.end > m.end {
            var right = old
            right.pageOffset = old.pageOffset &+ (m.end - old.start)
            right.start = m.end
            replacement.append(right)
        }
        maps.replaceSubrange(lo..<end, with: replacement)
    }

    static func find(_ a: UInt64, in maps: [Mapping]) -> Mapping? {
        guard let i = lastStarting(atOrBelow: a, in: maps) else { return nil }
        let m = maps[i]
        return m.contains(a) ? m : nil
    }
}
