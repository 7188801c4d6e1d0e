// Conversions of doubles computed from input values (times, counts, scales): Int64(Double) traps on
// NaN, infinity and anything outside Int64's range, and a hostile file can put a value there.

extension Int64 {
    /// `d` rounded toward zero and clamped to Int64's range; NaN gives 0.
    @inlinable public init(saturating d: Double) {
        if d.isNaN {
            self = 0
        } else if d >= 9.223372036854775807e18 {
            self = .max
        } else if d <= -9.223372036854775808e18 {
            self = .min
        } else {
            self.init(d)
        }
    }

    /// Clamped to ±2^61 ns (73 years): time offsets and centers past it are not real clocks, and keeping
    /// them there leaves room for the scans' ± steps without overflow.
    @inlinable public var clampedTime: Int64 { Swift.min(Swift.max(self, -(1 << 61)), 1 << 61) }
}

extension Int {
    /// `d` rounded toward zero and clamped to Int's range; NaN gives 0.
    @inlinable public init(saturating d: Double) { self.init(truncatingIfNeeded: Int64(saturating: d)) }
}

extension Int64 {
    /// `self + o`, held at Int64.max or Int64.min instead of trapping (sums of a file's durations).
    @inlinable public func addingSaturating(_ o: Int64) -> Int64 {
        let (r, overflow) = addingReportingOverflow(o)
        return overflow ? (o > 0 ? .max : .min) : r
    }

    /// `self - o`, held at Int64.max or Int64.min instead of trapping (a span's end minus its start).
    @inlinable public func subtractingSaturating(_ o: Int64) -> Int64 {
        let (r, overflow) = subtractingReportingOverflow(o)
        return overflow ? (o < 0 ? .max : .min) : r
    }
}
