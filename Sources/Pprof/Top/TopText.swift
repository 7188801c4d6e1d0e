/// `stackfold top`'s text: google/pprof's `-top` report (internal/report/report.go `printText`,
/// `reportLabels`, `selectOutputUnit`). Of pprof's header lines only `File:` and `Type:` are
/// written (not Build ID, Time or Duration); from `Showing nodes accounting for` on, the lines are pprof's.
public enum TopText {
    public static func render(_ t: TopTable, file: String? = nil) -> String {
        let from = t.valueType.unit
        let unit = outputUnit(t)
        func v(_ x: Int64) -> String { PprofUnits.label(x, from: from, to: unit) }
        var lines: [String] = []
        if let file { lines.append("File: \(file)") }
        lines.append("Type: \(t.valueType.type)")
        let shown = t.shownFlat
        let pct = PprofUnits.percentage(shown, of: t.total).drop { $0 == " " }
        lines.append("Showing nodes accounting for \(v(shown)), \(pct) of \(v(t.total)) total")
        if t.total != 0 {
            if t.droppedNodes > 0 {
                lines.append("Dropped \(t.droppedNodes) node\(t.droppedNodes > 1 ? "s" : "") (cum <= \(v(t.nodeCutoff)))")
            }
            if t.rows.count < t.candidates {
                lines.append("Showing top \(t.rows.count) nodes out of \(t.candidates)")
            }
        }
        lines.append("      flat  flat%   sum%        cum   cum%")
        var sum: Int64 = 0
        for r in t.rows {
            sum = sum.addingSaturating(r.flat)
            let inl = r.inline == .none ? "" : " " + r.inline.rawValue
            lines.append(pad(v(r.flat)) + " " + PprofUnits.percentage(r.flat, of: t.total) + " " + PprofUnits.percentage(sum, of: t.total)
                + " " + pad(v(r.cum)) + " " + PprofUnits.percentage(r.cum, of: t.total) + "  " + r.name + inl)
        }
        return lines.joined(separator: "\n") + "\n"
    }

    private static func pad(_ s: String) -> String { s.count >= 10 ? s : String(repeating: " ", count: 10 - s.count) + s }

    /// pprof's "minimum" output unit: that of the smallest nonzero value shown, or of a hundred times
    /// it when the total's unit is larger and the smallest value under 1 % of it.
    static func outputUnit(_ t: TopTable) -> String {
        let from = t.valueType.unit
        guard !t.rows.isEmpty else { return "minimum" }
        var minValue: Int64 = 0
        for r in t.rows {
            var m = r.flat.magnitude
            if m == 0 { m = r.cum.magnitude }
            if m > 0, minValue == 0 || m < minValue.magnitude { minValue = Int64(clamping: m) }
        }
        let maxValue = t.total
        if minValue == 0 { minValue = maxValue }
        let minUnit = PprofUnits.scale(minValue, from: from, to: "minimum").1
        let maxUnit = PprofUnits.scale(maxValue, from: from, to: "minimum").1
        var unit = minUnit
        if minUnit != maxUnit, minValue.multipliedReportingOverflow(by: 100).partialValue < maxValue {
            unit = PprofUnits.scale(minValue.multipliedReportingOverflow(by: 100).partialValue, from: from, to: "minimum").1
        }
        return unit.isEmpty ? from : unit
    }
}
