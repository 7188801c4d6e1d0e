// The one binary search of the project: symbol tables, map tables, pclntab's functab and trace spans
// all ask for "the last entry starting at or before an address" or "the first entry ending after it".

extension RandomAccessCollection {
    /// The first index whose element is not `isBefore`, or `endIndex` (C++ `partition_point`): the
    /// collection must hold every `isBefore` element first. Probes the middle of `lo..<hi` as the
    /// hand-written searches it replaced did, so an unsorted (hostile) table gives the same answer.
    @inlinable
    public func partitionPoint(where isBefore: (Element) throws -> Bool) rethrows -> Index {
        var lo = startIndex, hi = endIndex
        while lo != hi {
            let mid = index(lo, offsetBy: distance(from: lo, to: hi) / 2)
            if try isBefore(self[mid]) { lo = index(after: mid) } else { hi = mid }
        }
        return lo
    }

    /// The index of the last element whose key is at or before `key` (keys ascending), or nil when the
    /// first key is already after it.
    @inlinable
    public func lastIndex<Key: Comparable>(
        atOrBefore key: Key, by keyOf: (Element) throws -> Key
    ) rethrows -> Index? {
        let p = try partitionPoint { try keyOf($0) <= key }
        return p == startIndex ? nil : index(before: p)
    }
}
