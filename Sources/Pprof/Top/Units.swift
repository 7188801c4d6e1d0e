import BinaryIO

/// Values in a sample type's unit, scaled and printed as google/pprof prints them
/// (internal/measurement/measurement.go): `310ms`, `7.66MB`, `1.50s`, counts bare.
public enum PprofUnits {
    struct Unit {
        var name: String
        var aliases: [String]
        var factor: Double
    }
    struct UnitType {
        var units: [Unit]
        var defaultUnit: Unit
    }

    static let types: [UnitType] = [
        UnitType(units: [
            Unit(name: "B", aliases: ["b", "byte"], factor: 1),
            Unit(name: "kB", aliases: ["kb", "kbyte", "kilobyte"], factor: 1024),
            Unit(name: "MB", aliases: ["mb", "mbyte", "megabyte"], factor: 1_048_576),
            Unit(name: "GB", aliases: ["gb", "gbyte", "gigabyte"], factor: 1_073_741_824),
            Unit(name: "TB", aliases: ["tb", "tbyte", "terabyte"], factor: 1_099_511_627_776),
            Unit(name: "PB", aliases: ["pb", "pbyte", "petabyte"], factor: 1_125_899_906_842_624),
        ], defaultUnit: Unit(name: "B", aliases: ["b", "byte"], factor: 1)),
        UnitType(units: [
            Unit(name: "ns", aliases: ["ns", "nanosecond"], factor: 1),
            Unit(name: "us", aliases: ["μs", "us", "microsecond"], factor: 1e3),
            Unit(name: "ms", aliases: ["ms", "millisecond"], factor: 1e6),
            Unit(name: "s", aliases: ["s", "sec", "second"], factor: 1e9),
            Unit(name: "hrs", aliases: ["hour", "hr"], factor: 3600e9),
        ], defaultUnit: Unit(name: "s", aliases: [], factor: 1e9)),
        UnitType(units: [
            Unit(name: "n*GCU", aliases: ["nanogcu"], factor: 1e-9),
            Unit(name: "u*GCU", aliases: ["microgcu"], factor: 1e-6),
            Unit(name: "m*GCU", aliases: ["milligcu"], factor: 1e-3),
            Unit(name: "GCU", aliases: ["gcu"], factor: 1),
            Unit(name: "k*GCU", aliases: ["kilogcu"], factor: 1e3),
            Unit(name: "M*GCU", aliases: ["megagcu"], factor: 1e6),
            Unit(name: "G*GCU", aliases: ["gigagcu"], factor: 1e9),
            Unit(name: "T*GCU", aliases: ["teragcu"], factor: 1e12),
            Unit(name: "P*GCU", aliases: ["petagcu"], factor: 1e15),
        ], defaultUnit: Unit(name: "GCU", aliases: [], factor: 1)),
    ]

    /// pprof's sniffUnit: lower case, a plural `s` dropped from names longer than 2.
    static func sniff(_ type: UnitType, _ unit: String) -> Unit? {
        var u = unit.lowercased()
        if u.count > 2, u.hasSuffix("s") { u.removeLast() }
        return type.units.first { $0.aliases.contains(u) }
    }

    /// `value` in `from` units converted to `to` ("minimum"/"auto": the largest unit it is at least 1
    /// of); the unit's printed name, "" for counts.
    public static func scale(_ value: Int64, from: String, to: String) -> (Double, String) {
        if value < 0, value != .min {
            let (v, u) = scale(-value, from: from, to: to)
            return (-v, u)
        }
        for t in types {
            guard let f = sniff(t, from) else { continue }
            let v = Double(value) * f.factor
            if to == "minimum" || to == "auto" {
                var best: Unit?
                for u in t.units where u.factor >= (best?.factor ?? 0) && v / u.factor >= 1 { best = u }
                if let best { return (v / best.factor, best.name) }
                return (v / t.defaultUnit.factor, t.defaultUnit.name)
            }
            let target = sniff(t, to) ?? t.defaultUnit
            return (v / target.factor, target.name)
        }
        switch to {
        case "count", "sample", "unit", "minimum", "auto": return (Double(value), "")
        default: return (Double(value), to)
        }
    }

    /// pprof's ScaledLabel: two decimals, `.00` dropped, `0` for zero.
    public static func label(_ value: Int64, from: String, to: String) -> String {
        let (v, u) = scale(value, from: from, to: to)
        var s = cFormat2(v)
        if s.hasSuffix(".00") { s.removeLast(3) }
        if s == "0" || s == "-0" { return "0" }
        return s + u
    }

    /// pprof's Percentage: `  100%` around 100, `%5.2f%%` from 1, `%5.2g%%` below.
    public static func percentage(_ value: Int64, of total: Int64) -> String {
        let ratio = total != 0 ? abs(Double(value) / Double(total)) * 100 : 0
        if ratio >= 99.95, ratio <= 100.05 { return "  100%" }
        return ratio >= 1 ? cFormat("%5.2f%%", ratio) : cFormat("%5.2g%%", ratio)
    }

    private static func cFormat2(_ v: Double) -> String { cFormat("%.2f", v) }
}
