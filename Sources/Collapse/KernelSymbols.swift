// Kernel frames: which kallsyms a capture gets (given, or this machine's through SymbolSources) and the lookups.
import BinaryIO
import PerfData
import Symbolize

extension PerfCollapser {
    mutating func loadKernelSymbols(_ file: PerfFile) {
        kallsymsTried = false
        kernelSymbols = nil
        kernelTextAddress = nil
        kernelNote = nil
        var path = options.kallsyms
        if path == nil, options.useRunningKernel, let host = file.features.hostname, let rel = file.features.osRelease {
            let recorded = file.features.buildIDs.first { $0.filename.hasPrefix("[kernel.kallsyms]") }?.buildID
            if SymbolSources.isRunningKernel(host: host, release: rel, buildID: recorded) {
                path = "/proc/kallsyms"
            } else {
                let id = recorded.map { ", build-id \($0)" } ?? ""
                kernelNote = "kernel frames stay [unknown]: the capture was made on \(host) (kernel \(rel)\(id)), not on this kernel; "
                    + "pass --kallsyms with a copy of /proc/kallsyms from there"
            }
        } else if path == nil, options.useRunningKernel {
            // Older headers (and killed captures) do not say where they were made: this machine's may not be it.
            kernelNote = "kernel frames stay [unknown]: the capture does not record its host and kernel (no hostname or "
                + "osrelease header); pass --kallsyms with a copy of /proc/kallsyms from the machine that recorded it"
        }
        kallsymsPath = path
    }

    mutating func kernelSymbolTable() -> (any KernelSymbolLookup)? {
        if kallsymsTried { return kernelSymbols }
        kallsymsTried = true
        guard let path = kallsymsPath else {
            if let note = kernelNote { warnings.append(note) }
            return nil
        }
        guard let ks = sources.kernelSymbols(path: path) else {
            warnings.append("\(path): no kernel text symbols read; kernel frames stay [kernel.kallsyms]")
            return nil
        }
        kernelSymbols = ks
        return ks
    }

    /// A kernel frame's symbol and offset: a module's from its `.ko` or kallsyms (KernelModules.swift),
    /// the kernel's from kallsyms; nil without a symbol there.
    mutating func kernelSymbol(_ address: UInt64, mapping m: Mapping) -> (name: String, offset: UInt64)? {
        Self.isModuleMap(m) ? moduleFrameSymbol(address, mapping: m) : kallsymsSymbol(address, mapping: m)
    }

    /// From kallsyms; nil without kallsyms or without a symbol there.
    mutating func kallsymsSymbol(_ address: UInt64, mapping m: Mapping) -> (name: String, offset: UInt64)? {
        guard let ks = kernelSymbolTable() else { return nil }
        // perf's kernel map starts at _text as it was in memory; kallsyms says where _text was for its boot.
        var reloc: UInt64 = 0
        if m.filename.hasPrefix("[kernel.kallsyms]") {
            if kernelTextAddress == nil { kernelTextAddress = ks.address(of: "_text") ?? 0 }
            if let text = kernelTextAddress, text != 0 { reloc = m.pageOffset &- text }
        }
        guard let s = ks.symbolAndStart(at: address &- reloc) else { return nil }
        // The symbol must lie in the address's own map, on the same side of its end: else it is the last
        // symbol before a module or region kallsyms does not cover, and its name would be wrong.
        let start = s.start &+ reloc
        guard start >= m.start, (start < m.end) == (address < m.end) else { return nil }
        return (s.name, address &- start)
    }
}
