// The ordering's handler per event kind (order.go's advanceProcStatus, advanceGoStart, …): each checks
// whether its event may be released now (false: it waits for other Ms' events), updates the G, P and
// GC states, and pushes the event (and those it stands for) with its context.

extension Ordering {
    @inline(__always)
    mutating func procStatus(_ ev: inout TraceEvent, gen: UInt64, _ cur: inout Context, _ new: inout Context) -> Bool {
        let a = ev.args
        let pid = Int64(bitPattern: a.a0)
        let status = WireProcStatus(rawValue: a.a1) ?? .bad
        // ProcState of the parser: 0 undetermined, 1 not exist, 2 running, 3 idle.
        var old: UInt64
        switch status {
        case .bad: old = 0
        case .idle: old = 3
        case .running, .syscall, .syscallAbandoned: old = 2
        }
        if var s = pStates[pid] {
            if status == .syscallAbandoned && s.status == .syscall {
                old = 2
                ev.args.a1 = WireProcStatus.syscall.rawValue
            } else if status == .syscallAbandoned && s.status == .syscallAbandoned {
                old = 3
            }
            s.seq = Seq(gen: gen, n: 0)
            pStates[pid] = s
        } else {
            pStates[pid] = PState(status: status, seq: Seq(gen: gen, n: 0))
            old = gen == initialGen ? 0 : 1
        }
        ev.extra = old
        if status == .running || status == .syscall { new.p = pid }
        if status == .syscallAbandoned && old == 2 {
            flushM()
            for (mid, s) in mStates where s.p == pid { cur = (mid, pid, s.g) }
        }
        push(ev, cur)
        return true
    }

    @inline(__always)
    mutating func procStart(_ ev: TraceEvent, gen: UInt64, _ cur: Context, _ new: inout Context) -> Bool {
        let pid = Int64(bitPattern: ev.args.a0)
        let seq = Seq(gen: gen, n: ev.args.a1)
        guard var s = pStates[pid], s.status == .idle, Self.succeeds(seq, s.seq), cur.p == -1 else { return false }
        s.status = .running
        s.seq = seq
        pStates[pid] = s
        new.p = pid
        push(ev, cur)
        return true
    }

    @inline(__always)
    mutating func procStop(_ ev: TraceEvent, _ cur: Context, _ new: inout Context) -> Bool {
        if var s = pStates[cur.p] {
            s.status = .idle
            pStates[cur.p] = s
        }
        new.p = -1
        push(ev, cur)
        return true
    }

    @inline(__always)
    mutating func procSteal(_ ev: inout TraceEvent, gen: UInt64, _ cur: Context, _ new: inout Context) -> Bool {
        let a = ev.args
        let pid = Int64(bitPattern: a.a0)
        let seq = Seq(gen: gen, n: a.a1)
        guard var s = pStates[pid], s.status == .syscall || s.status == .syscallAbandoned, Self.succeeds(seq, s.seq)
        else { return false }
        let oldStatus = s.status
        ev.extra = oldStatus.rawValue
        s.status = .idle
        s.seq = seq
        pStates[pid] = s
        if oldStatus == .syscallAbandoned {
            push(ev, cur)
            return true
        }
        let mid = Int64(bitPattern: a.a2)
        if mid == cur.m {
            new.p = -1
            push(ev, cur)
            return true
        }
        flushM()
        if var victim = mStates[mid] {
            victim.p = -1
            setM(mid, victim)
        }
        push(ev, cur)
        return true
    }

    @inline(__always)
    mutating func goStatus(_ ev: inout TraceEvent, gen: UInt64, _ cur: inout Context, _ new: inout Context) -> Bool {
        let a = ev.args
        let gid = Int64(bitPattern: a.a0)
        let mid = Int64(bitPattern: a.a1)
        let status = WireGoStatus(rawValue: a.a2) ?? .bad
        // The parser's GoState: 0 undetermined, 1 not exist, 2 runnable, 3 running, 4 waiting, 5 syscall.
        var old: UInt64
        switch status {
        case .bad: old = 0
        case .runnable: old = 2
        case .running: old = 3
        case .waiting: old = 4
        case .syscall: old = 5
        }
        if var s = gStates[gid] {
            s.seq = Seq(gen: gen, n: 0)
            gStates[gid] = s
        } else {
            gStates[gid] = GState(status: status, seq: Seq(gen: gen, n: 0))
            old = 0
        }
        ev.args.a2 = old << 32 | status.rawValue
        switch status {
        case .running: new.g = gid
        case .syscall:
            if mid == cur.m {
                new.g = gid
            } else {
                flushM()
                if let other = mStates[mid] { cur.g = other.g } else { setM(mid, MState(g: gid, p: -1)) }
                cur.m = mid
            }
        default: break
        }
        push(ev, cur)
        return true
    }

    @inline(__always)
    mutating func goCreate(_ ev: TraceEvent, gen: UInt64, _ cur: Context) -> Bool {
        let newg = Int64(bitPattern: ev.args.a0)
        gStates[newg] = GState(status: ev.type == .goCreateBlocked ? .waiting : .runnable, seq: Seq(gen: gen, n: 0))
        push(ev, cur)
        return true
    }

    /// GoDestroy, GoStop, GoBlock: the M's goroutine stops running.
    @inline(__always)
    mutating func goStopped(_ ev: TraceEvent, _ cur: Context, _ new: inout Context) -> Bool {
        switch ev.type {
        case .goDestroy: gStates[cur.g] = nil
        case .goStop: gStates.update(cur.g) { $0.status = .runnable }
        default: gStates.update(cur.g) { $0.status = .waiting }
        }
        new.g = -1
        push(ev, cur)
        return true
    }

    @inline(__always)
    mutating func goStart(_ ev: TraceEvent, gen: UInt64, _ cur: Context, _ new: inout Context) -> Bool {
        let gid = Int64(bitPattern: ev.args.a0)
        guard advanceG(gid, from: .runnable, to: .running, seq: Seq(gen: gen, n: ev.args.a1)) else { return false }
        new.g = gid
        push(ev, cur)
        return true
    }

    @inline(__always)
    mutating func goUnblock(_ ev: TraceEvent, gen: UInt64, _ cur: Context) -> Bool {
        guard advanceG(Int64(bitPattern: ev.args.a0), from: .waiting, to: .runnable, seq: Seq(gen: gen, n: ev.args.a1))
        else { return false }
        push(ev, cur)
        return true
    }

    /// GoSwitch, GoSwitchDestroy: released as the switch, then GoBlock or GoDestroy of the old
    /// goroutine, then GoStart of the new one (as Go's parser does).
    @inline(__always)
    mutating func goSwitch(_ ev: TraceEvent, gen: UInt64, _ cur: Context, _ new: inout Context) -> Bool {
        let a = ev.args
        let next = Int64(bitPattern: a.a0)
        let seq = Seq(gen: gen, n: a.a1)
        guard var ns = gStates[next], ns.status == .waiting, Self.succeeds(seq, ns.seq) else { return false }
        push(ev, cur)
        if ev.type == .goSwitch {
            gStates[cur.g]?.status = .waiting
            var block = ev
            block.type = .goBlock
            block.args = EventArgs()
            push(block, cur)
        } else {
            gStates[cur.g] = nil
            var destroy = ev
            destroy.type = .goDestroy
            destroy.args = EventArgs()
            push(destroy, cur)
        }
        ns.status = .running
        ns.seq = seq
        gStates[next] = ns
        new.g = next
        var start = ev
        start.type = .goStart
        start.args = EventArgs(a0: UInt64(bitPattern: next), a1: a.a1)
        push(start, (cur.m, cur.p, -1))
        return true
    }

    @inline(__always)
    mutating func goSyscallBegin(_ ev: TraceEvent, gen: UInt64, _ cur: Context) -> Bool {
        gStates[cur.g]?.status = .syscall
        if var s = pStates[cur.p] {
            s.status = .syscall
            s.seq = Seq(gen: gen, n: ev.args.a0)
            pStates[cur.p] = s
        }
        push(ev, cur)
        return true
    }

    @inline(__always)
    mutating func goSyscallEnd(_ ev: TraceEvent, _ cur: Context) -> Bool {
        gStates[cur.g]?.status = .running
        pStates[cur.p]?.status = .running
        push(ev, cur)
        return true
    }

    @inline(__always)
    mutating func goSyscallEndBlocked(_ ev: TraceEvent, _ cur: Context, _ new: inout Context) -> Bool {
        if cur.p != -1, let s = pStates[cur.p], s.status == .syscall { return false }
        new.g = -1
        gStates[cur.g]?.status = .runnable
        push(ev, cur)
        return true
    }

    @inline(__always)
    mutating func goCreateSyscall(_ ev: TraceEvent, gen: UInt64, _ cur: Context, _ new: inout Context) -> Bool {
        let newg = Int64(bitPattern: ev.args.a0)
        gStates[newg] = GState(status: .syscall, seq: Seq(gen: gen, n: 0))
        new.g = newg
        push(ev, cur)
        return true
    }

    /// GoDestroySyscall: a goroutine dies in a syscall; its P, if any, is stolen (a ProcSteal first).
    @inline(__always)
    mutating func goDestroySyscall(_ ev: TraceEvent, _ cur: Context, _ new: inout Context) -> Bool {
        gStates[cur.g] = nil
        new.g = -1
        if cur.p != -1 {
            pStates[cur.p]?.status = .syscallAbandoned
            new.p = -1
            var steal = ev
            steal.type = .procSteal
            steal.args = EventArgs(a0: UInt64(bitPattern: cur.p))
            steal.extra = WireProcStatus.syscall.rawValue
            push(steal, cur)
        }
        push(ev, cur)
        return true
    }

    @inline(__always)
    mutating func gcActive(_ ev: TraceEvent, gen: UInt64, _ cur: Context) -> Bool {
        let seq = ev.args.a0
        if gen == initialGen {
            gcSeq = seq
            gcState = .running
            push(ev, cur)
            return true
        }
        guard seq == gcSeq &+ 1 else { return false }
        gcSeq = seq
        push(ev, cur)
        return true
    }

    @inline(__always)
    mutating func gcBegin(_ ev: TraceEvent, _ cur: Context) -> Bool {
        let seq = ev.args.a0
        if gcState == .undetermined {
            gcSeq = seq
            gcState = .running
            push(ev, cur)
            return true
        }
        guard seq == gcSeq &+ 1 else { return false }
        gcSeq = seq
        gcState = .running
        push(ev, cur)
        return true
    }

    @inline(__always)
    mutating func gcEnd(_ ev: TraceEvent, _ cur: Context) -> Bool {
        guard ev.args.a0 == gcSeq &+ 1 else { return false }
        gcSeq = ev.args.a0
        gcState = .notRunning
        push(ev, cur)
        return true
    }
}
