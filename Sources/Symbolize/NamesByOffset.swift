/// A symbol table's names by string-table offset: symbols that share a name (a crafted table points
/// 100,000 symbols at one 40 KB string) share one String instead of each making its own copy.
struct NamesByOffset {
    private var byOffset: [UInt32: String?] = [:]

    mutating func name(_ offset: UInt32, _ read: () -> String?) -> String? {
        if let known = byOffset[offset] { return known }
        let s = read()
        // Short names are stored inline in the String: only long ones are worth remembering.
        if (s?.utf8.count ?? 0) > 15 { byOffset[offset] = .some(s) }
        return s
    }
}
