/// Names from a capture (process names set with `prctl(PR_SET_NAME)`, host names, symbol and Go trace
/// strings) made safe for text read on a terminal: a name must not move the cursor, set the window
/// title or start a new line of output. C0 controls, DEL and C1 controls (U+0080–U+009F, which some
/// terminals take as CSI and OSC) are written `\x1b`; everything else is unchanged.
public enum TerminalText {
    /// `keepingLineBreaks`: for a message's own lines (tab and LF kept).
    public static func escape(_ s: String, keepingLineBreaks: Bool = false) -> String {
        guard needsEscape(s) else { return s }
        var out = ""
        out.reserveCapacity(s.utf8.count + 8)
        for u in s.unicodeScalars {
            if isControl(u.value), !(keepingLineBreaks && (u.value == 0x0a || u.value == 0x09)) {
                let hex = String(u.value, radix: 16)
                out += "\\x" + (hex.count < 2 ? "0" : "") + hex
            } else {
                out.unicodeScalars.append(u)
            }
        }
        return out
    }

    /// Whether `s` holds a control character (scans bytes: C1 controls are 0xc2 0x80…0x9f in UTF-8).
    public static func needsEscape(_ s: String) -> Bool {
        var prevC2 = false
        for b in s.utf8 {
            if b < 0x20 || b == 0x7f || (prevC2 && b >= 0x80 && b <= 0x9f) { return true }
            prevC2 = b == 0xc2
        }
        return false
    }

    static func isControl(_ v: UInt32) -> Bool { v < 0x20 || (v >= 0x7f && v <= 0x9f) }
}
