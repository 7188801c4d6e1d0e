#!/usr/bin/env python3
"""Writes Go execution traces crafted to make event ordering slow (issue 22, hostile input).

  python3 scripts/hostile/tracegen.py KIND OUT [N]

v1-stuck-ps   Go 1.21 format: N Ps (default 150,000) whose one event, GoStart of goroutine 1000000, which no event
              creates, never becomes ready, and a P of N HeapAlloc events that are always ready.
v1-syscalls   Go 1.21 format: N Ps (default 50,000) that each create and start a goroutine that makes a syscall,
              then a P of N HeapAlloc events: no later event of those goroutines says whether the syscall
              blocked, so looking ahead for one from each syscall reads the whole rest of the trace.
v2-blocked-ms Go 1.23 format: N Ms (default 100,000) whose one event, GoUnblock of goroutine 1000000, which no
              event knows, waits for ever, each before any event of an M of N HeapAlloc events.
v2-head-ms    Go 1.23 format: one such blocked M first, then N Ms with one HeapAlloc event each.

Layouts as Sources/GoTrace/V1Wire.swift, V1Parser.swift, Wire.swift and Generation.swift read them (Go's
internal/trace/internal/tracev1 and tracev2): a v1 event byte is type | (wire arguments - 1) << 6, its
arguments uvarints, the first a time delta from the batch's; a v2 batch is EventBatch, uvarint generation,
M, time and payload size, and its events a type byte and uvarint arguments, the first a time delta.
"""
import sys


def uv(v):
    out = bytearray()
    while True:
        b = v & 0x7F
        v >>= 7
        if v:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)


def v1_event(t, *args):
    payload = b"".join(uv(a) for a in args)
    if len(args) >= 4:  # four or more arguments: their byte length comes first
        return bytes([t | 3 << 6]) + uv(len(payload)) + payload
    return bytes([t | (len(args) - 1) << 6]) + payload


V1_BATCH, V1_FREQUENCY, V1_GOCREATE, V1_GOSTART, V1_GOSYSCALL, V1_HEAPALLOC = 1, 2, 13, 14, 28, 33


def v1_stuck_ps(n):
    out = bytearray(b"go 1.21 trace\0\0\0")
    out += v1_event(V1_BATCH, 0, 1)  # P 0 at tick 1: the events that can always go
    out += v1_event(V1_HEAPALLOC, 10, 4096)
    for _ in range(n - 1):
        out += v1_event(V1_HEAPALLOC, 1, 4096)
    for p in range(1, n + 1):
        out += v1_event(V1_BATCH, p, 1)
        out += v1_event(V1_GOSTART, 1, 1_000_000, 5)  # goroutine never created: never ready
    out += v1_event(V1_FREQUENCY, 1_000_000_000)
    return bytes(out)


def v1_syscalls(n):
    out = bytearray(b"go 1.21 trace\0\0\0")
    for p in range(1, n + 1):
        out += v1_event(V1_BATCH, p, 3 * p)  # P p at tick 3p: its three events before the next P's
        out += v1_event(V1_GOCREATE, 1, p, 0, 0)  # time delta, new goroutine, its stack, stack (g 0 runs)
        out += v1_event(V1_GOSTART, 1, p, 1)  # time delta, goroutine, sequence
        out += v1_event(V1_GOSYSCALL, 1, 0)  # time delta, stack
    out += v1_event(V1_BATCH, 0, 3 * n + 10)  # P 0, after every syscall
    for _ in range(n):
        out += v1_event(V1_HEAPALLOC, 1, 4096)
    out += v1_event(V1_FREQUENCY, 1_000_000_000)
    return bytes(out)


V2_BATCH, V2_FREQUENCY, V2_GOUNBLOCK, V2_HEAPALLOC = 1, 8, 21, 37


def v2_batch(m, ts, payload, gen=1):
    return bytes([V2_BATCH]) + uv(gen) + uv(m) + uv(ts) + uv(len(payload)) + payload


def v2_header_and_frequency():
    return b"go 1.23 trace\0\0\0" + v2_batch(0, 1, bytes([V2_FREQUENCY]) + uv(1_000_000_000))


def v2_blocked(m, ts):
    # GoUnblock: time delta, goroutine, sequence, stack.
    return v2_batch(m, ts, bytes([V2_GOUNBLOCK]) + uv(0) + uv(1_000_000) + uv(1) + uv(0))


def v2_live(m, ts, count):
    """A batch (or batches: a payload is at most 65,536 bytes) of `count` HeapAlloc events, 1 tick apart."""
    out = bytearray()
    while count > 0:
        k = min(count, 16_000)
        out += v2_batch(m, ts, b"".join(bytes([V2_HEAPALLOC]) + uv(1) + uv(4096) for _ in range(k)))
        ts += k
        count -= k
    return bytes(out)


def v2_blocked_ms(n):
    out = bytearray(v2_header_and_frequency())
    out += v2_live(1, 1000, n)
    for m in range(2, n + 2):
        out += v2_blocked(m, 10)
    return bytes(out)


def v2_head_ms(n):
    out = bytearray(v2_header_and_frequency())
    out += v2_blocked(1, 10)
    for m in range(2, n + 2):
        out += v2_live(m, 1000 + m, 1)
    return bytes(out)


KINDS = {"v1-stuck-ps": (v1_stuck_ps, 150_000), "v1-syscalls": (v1_syscalls, 50_000), "v2-blocked-ms": (v2_blocked_ms, 100_000),
         "v2-head-ms": (v2_head_ms, 100_000)}

if __name__ == "__main__":
    if len(sys.argv) not in (3, 4) or sys.argv[1] not in KINDS:
        sys.exit("usage: tracegen.py {%s} OUT [N]" % ",".join(sorted(KINDS)))
    make, n = KINDS[sys.argv[1]]
    open(sys.argv[2], "wb").write(make(int(sys.argv[3]) if len(sys.argv) == 4 else n))
