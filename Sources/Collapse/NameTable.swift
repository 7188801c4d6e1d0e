import BinaryIO

/// Interned names (byte strings) -> ids; the names made safe for folded text (`foldedName`).
///
/// Looked up in a flat table hashed a word at a time (`ByteRunCache`), not a `[[UInt8]: UInt32]`
/// dictionary, which hashes an array element by element (≈ 20 instructions a byte: 2.5 M of a 164 M fold,
/// for 1,500 names); and a String is looked up through its own UTF-8, copied only when it is new.
struct NameTable {
    private(set) var names: [[UInt8]] = []
    /// Name -> a run of one id. The empty name is kept apart (the cache holds no empty key).
    private var ids = ByteRunCache(capacity: 1 << 10)
    private var emptyID: UInt32?

    mutating func intern(_ name: [UInt8]) -> UInt32 {
        // Cut before hashing: a 1 MB name is looked up as its first 4 KB (NameLimit).
        let name = NameLimit.limited(name)
        return name.withUnsafeBytes { internLimited($0) }
    }

    /// `intern(Array(s.utf8))`, without the array for a name seen before.
    mutating func intern(_ s: String) -> UInt32 {
        guard s.utf8.count <= NameLimit.maxBytes + NameLimit.slack else { return intern(Array(s.utf8)) }
        var s = s
        return s.withUTF8 { internLimited(UnsafeRawBufferPointer($0)) }
    }

    /// A name already within `NameLimit`.
    private mutating func internLimited(_ b: UnsafeRawBufferPointer) -> UInt32 {
        if b.isEmpty {
            if let id = emptyID { return id }
            emptyID = UInt32(names.count)
            names.append(foldedName([]))
            return emptyID!
        }
        let (h, run) = ids.find(b, tag: 1)
        if let (start, _) = run { return ids.pool[start] }
        let id = UInt32(names.count)
        names.append(foldedName(Array(b)))
        _ = ids.insert(b, hash: h, one: id)
        return id
    }
}
