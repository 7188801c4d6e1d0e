/// A hash map from Int64 keys, for per-event state (goroutines, Ps, threads by id). Swift's Dictionary
/// hashes Int64 with SipHash, which costs more than the rest of an event's work; ids here come from
/// the input, so a multiplicative hash with linear probing is enough (no adversary gains more than a
/// slower read). Removal shifts entries back, so there are no tombstones.
public struct IntMap<Value>: Sequence {
    @usableFromInline var keys: [Int64]
    @usableFromInline var values: [Value?]
    @usableFromInline var mask: Int
    @usableFromInline var used = 0

    @inlinable public init(capacity: Int = 16) {
        var n = 16
        while n < capacity * 2 { n <<= 1 }
        keys = Array(repeating: 0, count: n)
        values = Array(repeating: nil, count: n)
        mask = n - 1
    }

    @inlinable public var count: Int { used }
    @inlinable public var isEmpty: Bool { used == 0 }

    @inlinable func home(_ key: Int64) -> Int {
        Int(truncatingIfNeeded: (UInt64(bitPattern: key) &* 0x9E37_79B9_7F4A_7C15) >> 32) & mask
    }

    /// The slot holding `key`, or the empty slot where it would go.
    @inlinable func slot(_ key: Int64) -> (index: Int, found: Bool) {
        // Unchecked: `mask` keeps every index in both arrays (a lookup per event, where array bound
        // checks were a good part of the cost).
        keys.withUnsafeBufferPointer { k in
            values.withUnsafeBufferPointer { v in
                var i = home(key)
                while v[i] != nil {
                    if k[i] == key { return (i, true) }
                    i = (i + 1) & mask
                }
                return (i, false)
            }
        }
    }

    @inlinable public subscript(key: Int64) -> Value? {
        get {
            let s = slot(key)
            return s.found ? values.withUnsafeBufferPointer { $0[s.index] } : nil
        }
        set {
            let s = slot(key)
            if let v = newValue {
                // `mask` keeps the index in range: no bounds check on this per-event write.
                values.withUnsafeMutableBufferPointer { $0[s.index] = v }
                if !s.found {
                    keys[s.index] = key
                    used += 1
                    if used * 4 > (mask + 1) * 3 { grow() }
                }
            } else if s.found {
                remove(at: s.index)
            }
        }
    }

    /// Changes the value of `key` in place with one probe (a get then a set probes twice); nil, and
    /// `body` not called, if `key` is absent.
    @inlinable public mutating func update<R>(_ key: Int64, _ body: (inout Value) -> R) -> R? {
        let s = slot(key)
        guard s.found else { return nil }
        return values.withUnsafeMutableBufferPointer { v in
            // Found: the slot holds a value.
            withUnsafeMutablePointer(to: &v[s.index]) { p in
                var x = p.pointee.unsafelyUnwrapped
                let r = body(&x)
                p.pointee = x
                return r
            }
        }
    }

    @inlinable public subscript(key: Int64, default fallback: @autoclosure () -> Value) -> Value {
        get { self[key] ?? fallback() }
        set { self[key] = newValue }
    }

    @inlinable mutating func remove(at index: Int) {
        var hole = index
        var i = (index + 1) & mask
        // Backward-shift: move later entries of the probe run into the hole when their home allows it.
        while values[i] != nil {
            let h = home(keys[i])
            if (i > hole && (h <= hole || h > i)) || (i < hole && h <= hole && h > i) {
                keys[hole] = keys[i]
                values[hole] = values[i]
                hole = i
            }
            i = (i + 1) & mask
        }
        values[hole] = nil
        used -= 1
    }

    /// Inlinable so that it is specialised too: unspecialised, each slot went through the value
    /// witnesses of a generic Value (about 2,000 instructions a slot for a tuple value).
    @inlinable mutating func grow() {
        var bigger = IntMap(capacity: (mask + 1))
        for i in keys.indices { if let v = values[i] { bigger[keys[i]] = v } }
        self = bigger
    }

    /// Entries in slot order (not insertion order): sort them where order matters.
    public func makeIterator() -> AnyIterator<(key: Int64, value: Value)> {
        var i = 0
        return AnyIterator {
            while i < keys.count {
                defer { i += 1 }
                if let v = values[i] { return (keys[i], v) }
            }
            return nil
        }
    }
}

extension IntMap: Sendable where Value: Sendable {}
