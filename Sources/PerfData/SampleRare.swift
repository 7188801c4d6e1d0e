import BinaryIO

/// The fields of a sample that `-g` and `--call-graph dwarf` captures do not record, out of line so that
/// the Sample the fold copies stays small (Sample.swift). A value: `Sample` copies the box on write.
@usableFromInline
struct SampleRare {
    @usableFromInline var transaction: UInt64 = 0
    @usableFromInline var physAddr: UInt64 = 0
    @usableFromInline var cgroup: UInt64 = 0
    @usableFromInline var dataPageSize: UInt64 = 0
    @usableFromInline var codePageSize: UInt64 = 0
    @usableFromInline var raw: UnsafeRawBufferPointer = UnsafeRawBufferPointer(start: nil, count: 0)
    /// Branch entries, 24 bytes each (from, to, flags).
    @usableFromInline var branchCount: Int = 0
    @usableFromInline var branchHWIndex: UInt64? = nil
    @usableFromInline var branches: U64View = .empty
    @usableFromInline var regsIntrABI: UInt64 = 0
    @usableFromInline var regsIntr: U64View = .empty
    /// `READ` values: (value, id) pairs in the order recorded.
    @usableFromInline var readValues: U64View = .empty
    @usableFromInline var aux: UnsafeRawBufferPointer = UnsafeRawBufferPointer(start: nil, count: 0)
    @usableFromInline init() {}
}

@usableFromInline
final class SampleRareFields {
    @usableFromInline var v: SampleRare
    @usableFromInline init(_ v: SampleRare) { self.v = v }
}

extension Sample {
    /// The box, allocated or copied first unless this sample holds the only reference.
    @usableFromInline
    mutating func uniqueRare() -> SampleRareFields {
        if isKnownUniquelyReferenced(&rare) { return rare.unsafelyUnwrapped }
        let r = SampleRareFields(rare?.v ?? SampleRare())
        rare = r
        return r
    }

    @inlinable public var transaction: UInt64 {
        get { rare?.v.transaction ?? 0 }
        set { uniqueRare().v.transaction = newValue }
    }
    @inlinable public var physAddr: UInt64 {
        get { rare?.v.physAddr ?? 0 }
        set { uniqueRare().v.physAddr = newValue }
    }
    @inlinable public var cgroup: UInt64 {
        get { rare?.v.cgroup ?? 0 }
        set { uniqueRare().v.cgroup = newValue }
    }
    @inlinable public var dataPageSize: UInt64 {
        get { rare?.v.dataPageSize ?? 0 }
        set { uniqueRare().v.dataPageSize = newValue }
    }
    @inlinable public var codePageSize: UInt64 {
        get { rare?.v.codePageSize ?? 0 }
        set { uniqueRare().v.codePageSize = newValue }
    }
    @inlinable public var raw: UnsafeRawBufferPointer {
        get { rare?.v.raw ?? UnsafeRawBufferPointer(start: nil, count: 0) }
        set { uniqueRare().v.raw = newValue }
    }
    /// Branch entries, 24 bytes each (from, to, flags).
    @inlinable public var branchCount: Int {
        get { rare?.v.branchCount ?? 0 }
        set { uniqueRare().v.branchCount = newValue }
    }
    @inlinable public var branchHWIndex: UInt64? {
        get { rare?.v.branchHWIndex ?? nil }
        set { uniqueRare().v.branchHWIndex = newValue }
    }
    @inlinable public var branches: U64View {
        get { rare?.v.branches ?? .empty }
        set { uniqueRare().v.branches = newValue }
    }
    @inlinable public var regsIntrABI: UInt64 {
        get { rare?.v.regsIntrABI ?? 0 }
        set { uniqueRare().v.regsIntrABI = newValue }
    }
    @inlinable public var regsIntr: U64View {
        get { rare?.v.regsIntr ?? .empty }
        set { uniqueRare().v.regsIntr = newValue }
    }
    /// `READ` values: (value, id) pairs in the order recorded.
    @inlinable public var readValues: U64View {
        get { rare?.v.readValues ?? .empty }
        set { uniqueRare().v.readValues = newValue }
    }
    @inlinable public var aux: UnsafeRawBufferPointer {
        get { rare?.v.aux ?? UnsafeRawBufferPointer(start: nil, count: 0) }
        set { uniqueRare().v.aux = newValue }
    }
}
