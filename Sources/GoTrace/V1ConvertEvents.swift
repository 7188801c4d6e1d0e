// Each kind of v1 event as the Go >= 1.22 event it becomes (Go's tracev1 converter), one method per
// kind; `V1Converter.convert` adds the stack, M, P and G.
import BinaryIO

/// What a v1 event becomes: a type and arguments that `convert` completes, or an event (or none) made
/// whole here, with what it adds to `extra`.
enum V1Converted {
    case mapped(EventType, EventArgs)
    case made(TraceEvent?)
}

extension V1Converter {
    /// Ps, the GC, STW and sweeps; the first Gomaxprocs ends the trace's start.
    mutating func convertProcsAndGC(_ ev: V1Event) -> V1Converted {
        var type = EventType(rawValue: 0)
        var args = EventArgs(a0: ev.a0, a1: ev.a1, a2: ev.a2, a3: ev.a3)
        let p = Int64(ev.p)
        switch ev.type {
        case .gomaxprocs:
            type = .procsChange
            if preInit {
                // The first Gomaxprocs ends the trace's start: goroutines created before it and neither
                // waiting, in a syscall nor started are runnable. (Go emits them in map order; here by id.)
                preInit = false
                for gid in createdPreInit.sorted() {
                    extra.append(event(.goStatus, ev.ts, m: -1, p: -1, g: -1,
                                       EventArgs(a0: gid, a1: .max, a2: WireGoStatus.runnable.rawValue)))
                }
                createdPreInit = []
                return .made(nil)
            }
        case .procStart:
            procMs[p] = Int64(bitPattern: ev.a0)
            if seenProcs.contains(ev.p) {
                type = .procStart
                args = EventArgs(a0: UInt64(bitPattern: p))
            } else {
                seenProcs.insert(ev.p)
                type = .procStatus
                args = EventArgs(a0: UInt64(bitPattern: p), a1: WireProcStatus.running.rawValue)
            }
        case .procStop:
            if seenProcs.contains(ev.p) {
                type = .procStop
                args = EventArgs(a0: UInt64(bitPattern: p))
            } else {
                seenProcs.insert(ev.p)
                type = .procStatus
                args = EventArgs(a0: UInt64(bitPattern: p), a1: WireProcStatus.idle.rawValue)
            }
        case .gcStart: type = .gcBegin
        case .gcDone: type = .gcEnd
        case .stwStart:
            let kind = ev.a0 < UInt64(Self.stwReasons) ? Int(ev.a0) : 0
            let sid = builtin[Builtin.stwUnknown.rawValue + kind]
            lastStwReason = sid
            type = .stwBegin
            args = EventArgs(a0: sid)
        case .stwDone:
            type = .stwEnd
            args = EventArgs(a0: lastStwReason)
        case .gcSweepStart: type = .gcSweepBegin
        case .gcSweepDone: type = .gcSweepEnd
        default:
            break
        }
        return .mapped(type, args)
    }

    /// A goroutine created, started, stopped, blocked or unblocked.
    mutating func convertGoroutine(_ ev: V1Event) -> V1Converted {
        var type = EventType(rawValue: 0)
        var args = EventArgs(a0: ev.a0, a1: ev.a1, a2: ev.a2, a3: ev.a3)
        let p = Int64(ev.p)
        func reason(_ b: Builtin) -> UInt64 { builtin[b.rawValue] }
        func blockArgs(_ b: Builtin) -> EventArgs { EventArgs(a0: reason(b), a1: UInt64(ev.stk)) }
        switch ev.type {
        case .goCreate:
            if preInit {
                createdPreInit.insert(ev.a0)
                preInitCreations[ev.a0] = (ev.a1, UInt64(ev.stk))
                return .made(nil)
            }
            type = .goCreate
        case .goStart:
            if preInit {
                type = .goStatus
                args = EventArgs(a0: ev.a0, a1: .max, a2: WireGoStatus.running.rawValue)
                createdPreInit.remove(ev.a0)
            } else {
                type = .goStart
            }
        case .goStartLabel:
            // A start, then the label; M is the P's thread, 0 when unknown (Go's map default).
            let m = procMs[p] ?? 0
            let g = Int64(bitPattern: ev.g)
            extra.append(event(.goLabel, ev.ts, m: m, p: p, g: g, EventArgs(a0: ev.a2)))
            return .made(event(.goStart, ev.ts, m: m, p: p, g: g, args))
        case .goEnd: type = .goDestroy
        case .goStop: type = .goBlock; args = blockArgs(.forever)
        case .goSched: type = .goStop; args = blockArgs(.gosched)
        case .goPreempt: type = .goStop; args = blockArgs(.preempted)
        case .goSleep: type = .goBlock; args = blockArgs(.sleep)
        case .goBlock: type = .goBlock; args = blockArgs(.empty)
        case .goUnblock: type = .goUnblock
        case .goBlockSend: type = .goBlock; args = blockArgs(.chanSend)
        case .goBlockRecv: type = .goBlock; args = blockArgs(.chanRecv)
        case .goBlockSelect: type = .goBlock; args = blockArgs(.select)
        case .goBlockSync: type = .goBlock; args = blockArgs(.sync)
        case .goBlockCond: type = .goBlock; args = blockArgs(.syncCond)
        case .goBlockNet: type = .goBlock; args = blockArgs(.network)
        case .goBlockGC: type = .goBlock; args = blockArgs(.markAssistWait)
        default:
            break
        }
        return .mapped(type, args)
    }

    /// Syscalls, and the goroutines found waiting or in a syscall at the start.
    mutating func convertSyscall(_ ev: V1Event) -> V1Converted {
        var type = EventType(rawValue: 0)
        var args = EventArgs(a0: ev.a0, a1: ev.a1, a2: ev.a2, a3: ev.a3)
        let p = Int64(ev.p)
        switch ev.type {
        case .goSysCall:
            // The goroutine's next event says whether the syscall blocked (GoSysBlock follows).
            if blockedSyscalls.contains(index - 1) {
                type = .goSyscallBegin
                args = EventArgs(a1: UInt64(ev.stk))
            } else {
                // An instantaneous syscall: a begin and an end 1 ns later.
                let m = procMs[p] ?? 0
                let g = Int64(bitPattern: ev.g)
                extra.append(event(.goSyscallEnd, ev.ts &+ 1, m: m, p: p, g: g, EventArgs()))
                return .made(event(.goSyscallBegin, ev.ts, m: m, p: p, g: g, EventArgs(a1: UInt64(ev.stk))))
            }
        case .goSysExit: type = .goSyscallEndBlocked
        case .goSysBlock: return .made(nil)
        case .goWaiting:
            type = .goStatus
            args = EventArgs(a0: ev.a0, a1: .max, a2: WireGoStatus.waiting.rawValue)
            createdPreInit.remove(ev.a0)
        case .goInSyscall:
            // v1 does not say which thread the syscall is on.
            type = .goStatus
            args = EventArgs(a0: ev.a0, a1: .max, a2: WireGoStatus.syscall.rawValue)
            createdPreInit.remove(ev.a0)
        default:
            break
        }
        return .mapped(type, args)
    }

    /// Heap sizes, mark assists, user tasks, regions and logs, CPU samples.
    mutating func convertOther(_ ev: V1Event) -> V1Converted {
        var type = EventType(rawValue: 0)
        var args = EventArgs(a0: ev.a0, a1: ev.a1, a2: ev.a2, a3: ev.a3)
        let p = Int64(ev.p)
        func reason(_ b: Builtin) -> UInt64 { builtin[b.rawValue] }
        switch ev.type {
        case .heapAlloc: type = .heapAlloc
        case .heapGoal: type = .heapGoal
        case .gcMarkAssistStart: type = .gcMarkAssistBegin
        case .gcMarkAssistDone: type = .gcMarkAssistEnd
        case .userTaskCreate:
            type = .userTaskBegin
            args = EventArgs(a0: ev.a0, a1: ev.a1 == 0 ? .max : ev.a1, a2: ev.a2, a3: UInt64(ev.stk))
            tasks[ev.a0] = (ev.a2, ev.a1)
        case .userTaskEnd:
            // Go smuggles the begin's parent (as written: 0 for none) and type into the end.
            type = .userTaskEnd
            if let t = tasks.removeValue(forKey: ev.a0) {
                args = EventArgs(a0: ev.a0, a1: ev.a1, a2: t.parent, a3: t.name)
            } else {
                args = EventArgs(a0: ev.a0, a1: ev.a1, a2: .max, a3: reason(.empty))
            }
        case .userRegion:
            switch ev.a1 {
            case 0: type = .userRegionBegin
            case 1: type = .userRegionEnd
            default: break
            }
            args = EventArgs(a0: ev.a0, a1: ev.a2, a2: UInt64(ev.stk))
        case .userLog:
            type = .userLog
            args = EventArgs(a0: ev.a0, a1: ev.a1, a2: inlineBase &+ ev.a3, a3: UInt64(ev.stk))
        case .cpuSample:
            // Go 1.21 samples carry no M.
            type = .cpuSample
            args = EventArgs(a0: UInt64(ev.stk), a1: .max, a2: UInt64(bitPattern: p), a3: ev.g)
        default:
            break
        }
        return .mapped(type, args)
    }
}
