import PerfData

/// How a capture recorded its stacks, per event (perf's `--call-graph` choice, read back from the attrs):
/// `dwarf` (user registers and a copy of the user stack, with the dump size), `lbr` (the CPU's call-stack
/// branch records), `fp` (the kernel's frame-pointer walk), or `none` (no callchain).
func callGraphMode(_ a: EventAttr) -> String {
    let t = a.sampleType
    if t.contains(.stackUser), t.contains(.regsUser), a.sampleStackUser > 0 {
        return "dwarf, \(a.sampleStackUser)-byte stack dump"
    }
    // PERF_SAMPLE_BRANCH_CALL_STACK (1 << 11): perf record --call-graph lbr.
    if t.contains(.branchStack), a.branchSampleType & (1 << 11) != 0 { return "lbr" }
    if t.contains(.callchain) { return a.excludeCallchainUser ? "fp (kernel only)" : "fp" }
    return "none"
}

/// `# call graph: fp` for `info`; events that differ are listed by name.
func callGraphLine(_ file: PerfFile) -> String {
    let modes = file.events.map { callGraphMode($0.attr) }
    guard let first = modes.first else { return "" }
    if modes.allSatisfy({ $0 == first }) { return "# call graph: \(first)\n" }
    return "# call graph: " + zip(file.events, modes).map { "\($0.name): \($1)" }.joined(separator: "; ") + "\n"
}
