// The tails `go tool trace -d=parsed` adds to some lines (internal/trace/event.go, Event.String):
// a RangeEnd's attributes and a Sync's clock snapshot, printed as Go prints them.

extension ClockSnapshot {
    /// ` Trace=… Mono=… Wall=…`, the wall clock in UTC (Go prints it in the local zone: compare with
    /// TZ=UTC). Seconds and nanoseconds are the trace's own, possibly absurd: they go through Go's
    /// `time.Unix` and RFC 3339 formatting step by step, wrapping where Go wraps, so any value prints
    /// as Go prints it and none traps.
    var parsedTail: String {
        " Trace=\(time) Mono=\(mono) Wall=\(goRFC3339NanoUTC(sec: Int64(bitPattern: wallSeconds), nsec: Int64(bitPattern: wallNanoseconds)))"
    }
}

/// `time.Unix(sec, nsec).UTC().Format(time.RFC3339Nano)` of Go 1.27 (src/time: Unix, locabs, absDays.date,
/// absSeconds.clock, appendInt, appendNano), in the same unsigned and wrapping arithmetic.
func goRFC3339NanoUTC(sec: Int64, nsec: Int64) -> String {
    var sec = sec, nsec = nsec
    if nsec < 0 || nsec >= 1_000_000_000 {
        let n = nsec / 1_000_000_000
        sec &+= n
        nsec -= n &* 1_000_000_000
        if nsec < 0 {
            nsec += 1_000_000_000
            sec &-= 1
        }
    }
    // unixToInternal + internalToAbsolute: seconds from Unix 0 to March 1 of year -292277022400.
    let unixToAbsolute: Int64 = (1969 * 365 + 1969 / 4 - 1969 / 100 + 1969 / 400) * 86_400
        + (292_277_022_400 * 3_652_425 / 10_000 + 306) * 86_400
    let abs = UInt64(bitPattern: sec &+ unixToAbsolute)
    let (year, month, day) = goDate(days: abs / 86_400)
    let clock = Int(abs % 86_400)
    var out = goAppendInt(year, width: 4) + "-" + goAppendInt(month, width: 2) + "-" + goAppendInt(day, width: 2)
    out += "T" + goAppendInt(clock / 3600, width: 2) + ":" + goAppendInt(clock % 3600 / 60, width: 2)
    out += ":" + goAppendInt(clock % 60, width: 2)
    if nsec != 0 {
        var frac = goAppendInt(Int(nsec), width: 9)
        while frac.hasSuffix("0") { frac.removeLast() }
        out += "." + frac
    }
    return out + "Z"
}

/// Go's absDays.date: Neri–Schneider over March-based years from the absolute epoch.
private func goDate(days: UInt64) -> (year: Int, month: Int, day: Int) {
    let d = 4 &* days &+ 3
    let century = d / 146_097
    let cd = UInt32(truncatingIfNeeded: d % 146_097) | 3
    let product = UInt64(2_939_745) &* UInt64(cd)
    let cyear = UInt32(truncatingIfNeeded: product >> 32), low = UInt32(truncatingIfNeeded: product)
    let ayday = low / 2_939_745 / 4
    let m = 2141 &* ayday &+ 197_913
    let janFeb = ayday >= 306 ? 1 : 0
    let year = Int(bitPattern: UInt(century &* 100 &- 292_277_022_400)) &+ Int(cyear) &+ janFeb
    return (year, Int(m >> 16) - janFeb * 12, 1 + Int((m & 0xFFFF) / 2141))
}

/// Go's time.appendInt: a sign, then at least `width` digits.
private func goAppendInt(_ x: Int, width: Int) -> String {
    let digits = String(x.magnitude)
    return (x < 0 ? "-" : "") + String(repeating: "0", count: max(0, width - digits.count)) + digits
}
