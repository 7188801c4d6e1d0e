import Align
import BinaryIO

/// `stackfold gc`'s text: a summary per pause; each sample only with `verbose`. Times are since the
/// trace began, as `go tool trace` shows them, with perf's time (as `perf script` prints it) beside.
/// `weights`: the sum of the samples' periods per GC state and what they count, shown beside the sample
/// counts when they are more than samples (cpu-clock time, cycles).
func renderGCReport(_ r: GCReport, top: Int, verbose: Bool, weights: (WeightUnit, [GCState: UInt64])? = nil) -> String {
    var o = ""
    let total = max(r.samples, 1)
    let shown = weights.flatMap { $0.0 == .samples ? nil : $0 }
    o += "clock: \(r.clock)\n"
    let all =
        shown.map { w in " (\(w.0.label(weight: Double(w.1.values.reduce(0, &+)), samples: nil)) of \(eventWord(w.0)))"
        } ?? ""
    o += "samples: \(r.samples)\(all), \(r.samplesInTrace) within the trace (\(ms(r.traceSpan)))\n"
    o += "GC cycles: \(r.gcCycles); stop-the-world pauses: \(r.pauseCount), total \(ms(r.pauseTotal))\n"
    o += "\nCPU by GC state (samples\(shown.map { ", \(eventWord($0.0))" } ?? "")):\n"
    for (s, k) in r.byState {
        o += "  " + s.rawValue.padded(14) + cFormat("%7d  %5.1f%%", k, 100 * Double(k) / Double(total))
        if let w = shown { o += "  " + w.0.label(weight: Double(w.1[s] ?? 0), samples: nil) }
        o += "\n"
    }
    o += "\ntop functions per GC state:\n"
    for (s, counts) in r.topFunctions {
        let inState = r.byState.first { $0.0 == s }?.1 ?? 1
        o += "  \(s.rawValue):\n"
        for c in counts {
            o += cFormat("    %5.1f%%  ", 100 * Double(c.samples) / Double(max(inState, 1))) + c.name + "\n"
        }
    }
    o += "\nlongest stop-the-world pauses, at times since the trace began (perf's time in brackets):\n"
    var noted = false
    for p in r.pauses {
        o +=
            "  \(ms(p.duration)) \(p.reason) at \(ms(p.start - r.traceStart)) [\(perfSeconds(p.perfStart)) s], goroutine \(p.goroutine): "
        guard p.samples > 0 else { o += "no sample fell in this pause\n"; continue }
        o += "\(p.samples) sample\(p.samples == 1 ? "" : "s")\n"
        o += "    functions: " + shares(p.functions, of: p.samples, top: top) + "\n"
        o +=
            "    threads:   "
            + shares(p.threads.map { .init(name: "tid \($0.name)", samples: $0.samples) }, of: p.samples, top: top)
            + "\n"
        if p.otherGoroutineSamples > 0 {
            o += "    \(p.otherGoroutineSamples) of them ran goroutines other than \(p.goroutine)"
            if !noted {
                o +=
                    ": Go records a stop-the-world's end only after restarting the Ps, so other goroutines run before that recorded end"
                noted = true
            }
            o += "\n"
        }
        if verbose {
            for d in p.detail {
                o +=
                    "      \(ms(d.traceTime - r.traceStart)) [\(perfSeconds(d.perfTime)) s] cpu \(d.cpu) tid \(d.tid) g \(d.goroutine): \(d.leaf)\n"
            }
        }
    }
    if !r.regions.isEmpty {
        // "How much CPU goes to mark assists inside my handlers": GC states per user region.
        o += "\nCPU by user region (trace.WithRegion, nested as outer/inner) and GC state:\n"
        for g in r.regions {
            let parts = g.byState.map {
                "\($0.0.rawValue) \(cFormat("%.1f%%", 100 * Double($0.1) / Double(g.samples)))"
            }
            o +=
                "  " + g.name.padded(24) + cFormat("%7d  %5.1f%%  ", g.samples, 100 * Double(g.samples) / Double(total))
                + parts.joined(separator: ", ") + "\n"
        }
    }
    o += "\ngoroutines that paid most assist time (trace) and their assist samples (perf):\n"
    for a in r.assisters {
        o += "  goroutine \(a.goroutine) \(a.function): \(ms(a.assistTime)) in assists, \(a.samples) samples\n"
    }
    return o
}

/// What a period sum is, in words: `CPU time` for the clock events, else the event.
private func eventWord(_ u: WeightUnit) -> String {
    switch u {
    case .nanoseconds: "CPU time"
    case .events(let name): name
    case .samples: "samples"
    }
}

/// `62.5% main.mix, 37.5% runtime.memmove` for the first `top`, then how many more.
private func shares(_ counts: [GCReport.Count], of total: Int, top: Int) -> String {
    var parts = counts.prefix(top).map {
        cFormat("%.1f%% ", 100 * Double($0.samples) / Double(max(total, 1))) + $0.name
    }
    if counts.count > top { parts.append("\(counts.count - top) more") }
    return parts.joined(separator: ", ")
}
