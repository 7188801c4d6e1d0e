/// flamegraph.pl's palettes and name hashes, so the same name gets the same colour as there.
public struct Palette: RawRepresentable, Hashable, Sendable {
    public var rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }
    public static let hot = Palette(rawValue: "hot")
    public static let mem = Palette(rawValue: "mem")
    public static let io = Palette(rawValue: "io")
    public static let go = Palette(rawValue: "go")
    public static let all = ["hot", "mem", "io", "wakeup", "chain", "java", "js", "perl", "red", "green", "blue",
                             "aqua", "yellow", "purple", "orange", "go"]
}

enum Colors {
    /// Weighted hash of the first characters (`namehash`), after a `module\`` prefix.
    static func namehash(_ name: [UInt8]) -> Double {
        var s = name[...]
        // `s/.(.*?)`//`: drop from the second character through the first backtick.
        if s.count >= 2, let tick = s.dropFirst().firstIndex(of: 0x60) { s = name[(tick + 1)...] }
        var vector = 0.0
        var weight = 1.0
        var max = 1.0
        var mod = 10
        for c in s {
            let i = Int(c) % mod
            vector += (Double(i) / Double(mod - 1)) * weight
            mod += 1
            max += weight
            weight *= 0.70
            if mod > 12 { break }
        }
        return 1 - vector / max
    }

    /// `srand(sum of bytes); rand(1)`: Perl's drand48 seeded with the byte sum.
    static func randomNamehash(_ name: [UInt8]) -> Double {
        var sum: UInt64 = 0
        for c in name { sum &+= UInt64(c) }
        var x: UInt64 = ((sum & 0xffff_ffff) << 16) | 0x330e
        x = (0x5_deec_e66d &* x &+ 0xb) & 0xffff_ffff_ffff
        return Double(x) / Double(UInt64(1) << 48)
    }

    static func rgb(_ r: Int, _ g: Int, _ b: Int) -> String { "rgb(\(r),\(g),\(b))" }

    static func color(_ palette: String, hash: Bool, name: String, random: (Double, Double, Double)? = nil) -> String {
        let bytes = Array(name.utf8)
        let v1, v2, v3: Double
        if let random {
            (v1, v2, v3) = random
        } else if hash {
            v1 = namehash(bytes)
            v2 = namehash(bytes.reversed())
            v3 = v2
        } else {
            v1 = randomNamehash(bytes)
            v2 = v1
            v3 = v1
        }
        var type = palette
        switch type {
        case "hot": return rgb(205 + Int(50 * v3), Int(230 * v1), Int(55 * v2))
        case "mem": return rgb(0, 190 + Int(50 * v2), Int(210 * v1))
        case "io":
            let r = 80 + Int(60 * v1)
            return rgb(r, r, 190 + Int(55 * v2))
        case "java":
            if name.hasSuffix("_[j]") { type = "green" }
            else if name.hasSuffix("_[i]") { type = "aqua" }
            else if matchesJavaPackage(name) || name.contains(":::") { type = "green" }
            else if name.contains("::") { type = "yellow" }
            else if name.hasSuffix("_[k]") { type = "orange" }
            else { type = "red" }
        case "perl":
            if name.contains("::") { type = "yellow" }
            else if name.contains("Perl") || name.contains(".pl") { type = "green" }
            else if name.hasSuffix("_[k]") { type = "orange" }
            else { type = "red" }
        case "js":
            if name.hasSuffix("_[j]") { type = name.contains("/") ? "green" : "aqua" }
            else if name.contains("::") { type = "yellow" }
            else if let slash = name.firstIndex(of: "/"), name[slash...].contains(".js") { type = "green" }
            else if name.contains(":") { type = "aqua" }
            else if name == " " { type = "green" }
            else if name.contains("_[k]") { type = "orange" }
            else { type = "red" }
        case "wakeup": type = "aqua"
        case "chain": type = name.contains("_[w]") ? "aqua" : "blue"
        case "go":
            return goColor(name, v1: v1, v2: v2, v3: v3)
        default: break
        }
        return flat(type, v1)
    }

    static func flat(_ type: String, _ v1: Double) -> String {
        switch type {
        case "red":
            let x = 50 + Int(80 * v1)
            return rgb(200 + Int(55 * v1), x, x)
        case "green":
            let x = 50 + Int(60 * v1)
            return rgb(x, 200 + Int(55 * v1), x)
        case "blue": return rgb(80 + Int(60 * v1), 80 + Int(60 * v1), 205 + Int(50 * v1))
        case "yellow":
            let x = 175 + Int(55 * v1)
            return rgb(x, x, 50 + Int(20 * v1))
        case "purple":
            let x = 190 + Int(65 * v1)
            return rgb(x, 80 + Int(60 * v1), x)
        case "aqua": return rgb(50 + Int(60 * v1), 165 + Int(55 * v1), 165 + Int(55 * v1))
        case "orange": return rgb(190 + Int(65 * v1), 90 + Int(65 * v1), 0)
        default: return rgb(0, 0, 0)
        }
    }

    static func matchesJavaPackage(_ name: String) -> Bool {
        var n = Substring(name)
        if n.hasPrefix("L") { n = n.dropFirst() }
        return ["java/", "javax/", "jdk/", "net/", "org/", "com/", "io/", "sun/"].contains { n.hasPrefix($0) }
    }

    /// The Go palette: user code warm, the runtime yellow, GC marking purple, assists orange-red,
    /// sweeping aqua, cgo and C blue, kernel green (orange was too near user code's hot colours).
    static func goColor(_ name: String, v1: Double, v2: Double, v3: Double) -> String {
        switch GoFrameKind(name) {
        case .kernel: return flat("green", v1)
        case .gcMark: return flat("purple", v1)
        case .gcAssist: return rgb(230 + Int(25 * v1), 60 + Int(40 * v1), 140 + Int(40 * v1))
        case .sweep: return flat("aqua", v1)
        case .runtime: return flat("yellow", v1)
        case .cgo: return flat("blue", v1)
        case .user: return rgb(205 + Int(50 * v3), Int(230 * v1), Int(55 * v2))
        }
    }
}

/// What a frame of a Go program is, for colouring and for the legend.
public enum GoFrameKind: String, Sendable, CaseIterable {
    case user, runtime, gcMark = "gc-mark", gcAssist = "gc-assist", sweep, cgo, kernel

    public init(_ name: String) {
        // `_[k]`: collapse --kernel (flamegraph --colors go of perf.data sets it); `[[kernel.kallsyms]]`: unnamed.
        if name.hasSuffix("_[k]") || name.hasPrefix("[kernel") || name.hasPrefix("[[kernel") { self = .kernel; return }
        let n = name.hasSuffix("_[i]") ? String(name.dropLast(4)) : name
        if n.hasPrefix("runtime.gcAssist") || n == "runtime.gcParkAssist" { self = .gcAssist; return }
        if n.hasPrefix("runtime.") {
            let f = n.dropFirst("runtime.".count)
            let mark = [
                "gcBgMarkWorker", "gcDrain", "markroot", "scanobject", "greyobject", "scanblock", "scanstack",
                "scanframeworker", "gcMark", "(*gcWork)", "gcFlushBgCredit", "findObject", "markBits",
                "(*gcControllerState)", "gcStart", "stopTheWorld", "startTheWorld", "gcMarkDone", "gcMarkTermination",
                "gcResetMarkState", "wbBufFlush", "bulkBarrierPreWrite", "gcWriteBarrier", "typePointers",
                "(*mspan).typePointers", "(*gcBits)", "(*mspan).heapBits", "tryDeferToSpanScan", "(*spanInlineMarkBits)"
            ]
            if mark.contains(where: { f.hasPrefix($0) }) { self = .gcMark; return }
            let sweep = [
                "bgsweep", "sweepone", "(*sweepLocked)", "(*mspan).sweep", "(*sweepLocker)", "(*mheap).reclaim",
                "deductSweepCredit", "(*mcentral).cacheSpan", "(*scavengerState)", "bgscavenge", "(*pageAlloc).scavenge"
            ]
            if sweep.contains(where: { f.hasPrefix($0) }) { self = .sweep; return }
            if f.hasPrefix("cgocall") || f.hasPrefix("asmcgocall") || f.hasPrefix("cgocallback") { self = .cgo; return }
            self = .runtime
            return
        }
        if n.hasPrefix("_cgo_") || n.hasPrefix("x_cgo_") || n.hasPrefix("crosscall") { self = .cgo; return }
        // Go names have a package path with a dot; C and C++ symbols and [module] frames do not.
        if n.hasPrefix("[") || (!n.contains(".") && !n.isEmpty) || n.contains("::") { self = .cgo; return }
        self = .user
    }
}

/// SplitMix64 from a fixed seed: colour values in [0, 1) for `--random`.
struct RandomColors {
    var state: UInt64 = 1234
    mutating func next() -> Double {
        state &+= 0x9e37_79b9_7f4a_7c15
        var z = state
        z = (z ^ (z >> 30)) &* 0xbf58_476d_1ce4_e5b9
        z = (z ^ (z >> 27)) &* 0x94d0_49bb_1331_11eb
        z ^= z >> 31
        return Double(z >> 11) / Double(UInt64(1) << 53)
    }
    mutating func next3() -> (Double, Double, Double) { (next(), next(), next()) }
}
