// perf's names for executable memory without a file (map.c's map__new): JIT code.

extension Mapping {
    /// perf's dso for an executable mapping of anonymous memory (`//anon`, `/dev/zero…`, `/anon_hugepage…`)
    /// or of one without a file (`[stack…`, `/SYSV…`, `[heap]`): `/tmp/perf-PID.map`, the file JITs
    /// (V8, the JVM's perf-map-agent, LuaJIT, …) write their symbols to. Nil for any other mapping.
    public static func jitMapName(_ filename: String, pid: Int32) -> String? {
        let anon = filename == "//anon" || filename.hasPrefix("/dev/zero") || filename.hasPrefix("/anon_hugepage")
        let noFile = filename.hasPrefix("[stack") || filename.hasPrefix("/SYSV") || filename == "[heap]"
        return anon || noFile ? "/tmp/perf-\(pid).map" : nil
    }

    /// A mapping named after its process's perf map: its addresses are the symbols' (perf's identity map).
    public var isJITMap: Bool { filename.hasPrefix("/tmp/perf-") && filename.hasSuffix(".map") && !inKernelSpace }
}
