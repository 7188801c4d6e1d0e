#!/usr/bin/env python3
"""Expected frame facts of a Go binary, derived from its machine code and its assembly sources, not from
stackfold: reads `go tool objdump` output on stdin and prints, per instruction of every function whose SP
changes are all PUSHQ/POPQ/SUBQ $n,SP/ADDQ $n,SP, the bytes pushed below the return address before that
instruction runs (what Go's pcsp table must say there), found by following fall-through and jumps from
the entry (delta 0). Functions that write SP any other way, or where two paths disagree, are left out.
Also prints, per function, whether it is assembly (`.s` file on its TEXT line).

  go tool objdump -s REGEX BINARY | python3 expected.py > OUT
"""
import re, sys

funcs = []  # (name, file, [(pc, size, asm)])
for line in sys.stdin:
    if line.startswith("TEXT "):
        m = re.match(r"TEXT (\S+)\(SB\) (\S+)", line)
        funcs.append((m.group(1), m.group(2), []))
        continue
    parts = line.rstrip("\n").split("\t")
    parts = [p for p in parts if p != ""]
    if len(parts) < 4 or not funcs:
        continue
    pc = int(parts[1], 16)
    size = len(parts[2].strip()) // 2
    funcs[-1][2].append((pc, size, parts[3].strip()))

def effect(asm):
    """(sp change, successors kind, jump target or None); None for an SP write we cannot follow."""
    op = asm.split(" ")[0]
    m = re.match(r"(SUBQ|ADDQ) \$(0x[0-9a-f]+|\d+), SP$", asm)
    if m:
        n = int(m.group(2), 0)
        return (n if m.group(1) == "SUBQ" else -n, "next", None)
    if op in ("PUSHQ", "PUSHFQ", "PUSHW"):
        return (8 if op != "PUSHW" else 2, "next", None)
    if op in ("POPQ", "POPFQ"):
        return (-8, "next", None)
    if re.search(r", SP$", asm) or op in ("LEAVEQ", "ENTER"):
        return None
    if op == "RET":
        return (0, "none", None)
    t = re.match(r"J[A-Z]+ (0x[0-9a-f]+)$", asm)
    if op == "JMP":
        return (0, "jump", int(t.group(1), 16) if t else None)
    if op.startswith("J") and t:
        return (0, "branch", int(t.group(1), 16))
    if op in ("UD2", "INT"):
        return (0, "none", None)
    return (0, "next", None)

for name, file, ins in funcs:
    kind = "asm" if file.endswith(".s") else "go"
    index = {pc: i for i, (pc, _, _) in enumerate(ins)}
    delta = {}
    ok = True
    work = [(ins[0][0], 0)] if ins else []
    while work and ok:
        pc, d = work.pop()
        if pc not in index:
            continue  # a jump out of the function (tail call)
        if pc in delta:
            ok = delta[pc] == d
            continue
        delta[pc] = d
        i = index[pc]
        e = effect(ins[i][2])
        if i > 0 and ins[i - 1][2].startswith("CALL ") and ins[i][1] == 1 and ins[i][2] == "NOPL":
            e = (0, "none", None)  # the compiler's NOP after a call that never returns (ssa.go: "not reached")
        if e is None:
            ok = False
            break
        change, succ, target = e
        nxt = pc + ins[i][1]
        if succ in ("next", "branch"):
            work.append((nxt, d + change))
        if succ in ("jump", "branch") and target is not None:
            work.append((target, d + change))
    print(f"func {name} {kind} {'spdelta' if ok else 'spwrite'}")
    if ok:
        for pc, _, asm in ins:
            if pc in delta:
                print(f"{pc:x} {delta[pc]}")
