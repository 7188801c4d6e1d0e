#!/usr/bin/env python3
"""Checks every caller/callee pair of `stackfold script --json` against the machine code, with capstone
(pip install capstone) and binutils' nm: the instruction that ends at the caller's return address must be a
CALL, and a direct CALL must target the callee's function (or a stub of at most 32 bytes that tail-jumps
into it: ABI wrappers, gcWriteBarrierN). Nothing here comes from stackfold but the stacks being checked.

  stackfold script --json --raw-names CAPTURE | python3 scripts/check-call-edges.py [--path-map OLD=NEW]

Reports per edge class and the share of Go samples (leaf in a binary with .gopclntab) with at least one
direct-call edge whose target is another function ("broken"). Pairs not checked: kernel frames, a callee
that is a `[caller of f]` placeholder (its caller's call must then be indirect: checked), a caller named only
by its entry (no return address), runtime.goexit+1 (a return address planted by newproc, not a CALL), and
the caller of a call the runtime injects at an interrupted PC (asyncPreempt, sigpanic, debugCallV2: its
"return address" is the interrupted instruction, counted as "injected-call").
A direct CALL of runtime.systemstack or runtime.mcall counts as "stack-switch": on g0 systemstack jumps to
its function, whose caller is then the function that called systemstack.
"""
import argparse, bisect, json, struct, subprocess, sys
from collections import Counter

import capstone

INJECTED = ("runtime.asyncPreempt", "runtime.sigpanic", "runtime.debugCallV2")

md = capstone.Cs(capstone.CS_ARCH_X86, capstone.CS_MODE_64)
md.detail = True


class Binary:
    def __init__(self, path):
        self.data = open(path, "rb").read()
        d = self.data
        phoff, = struct.unpack_from("<Q", d, 0x20)
        phentsize, phnum = struct.unpack_from("<HH", d, 0x36)
        self.loads = []
        for i in range(phnum):
            p_type, _, off, vaddr, _, filesz = struct.unpack_from("<IIQQQQ", d, phoff + i * phentsize)
            if p_type == 1:
                self.loads.append((vaddr, off, filesz))
        self.go = b".gopclntab" in d
        syms = {}
        out = subprocess.run(["nm", "-n", "--defined-only", path], capture_output=True, text=True).stdout
        for line in out.splitlines():
            parts = line.split(" ", 2)
            if len(parts) == 3 and parts[1] in "tT":
                syms.setdefault(int(parts[0], 16), parts[2])
        self.starts = sorted(syms)
        self.names = [syms[a] for a in self.starts]
        self.by_name = {n: a for a, n in zip(self.starts, self.names)}

    def read(self, vaddr, n):
        for v, off, size in self.loads:
            if v <= vaddr and vaddr + n <= v + size:
                return self.data[off + vaddr - v: off + vaddr - v + n]
        return None

    def func(self, pc):
        """(start, end) of the text symbol holding pc."""
        i = bisect.bisect_right(self.starts, pc) - 1
        if i < 0:
            return None
        end = self.starts[i + 1] if i + 1 < len(self.starts) else self.starts[i] + 1 << 20
        return (self.starts[i], end)

    def call_before(self, ra):
        """('direct', target) / ('indirect', None) / None for the CALL ending at ra."""
        for k in (5, 2, 3, 6, 7, 4):
            b = self.read(ra - k, k)
            if b is None:
                continue
            ins = list(md.disasm(b, ra - k))
            if len(ins) == 1 and ins[0].size == k and ins[0].mnemonic == "call":
                op = ins[0].operands[0]
                if op.type == capstone.x86.X86_OP_IMM:
                    return ("direct", op.imm)
                return ("indirect", None)
        return None

    def tail_jump(self, start):
        """Target of a stub (<= 32 bytes of code, INT3 padding dropped) ending in a JMP, else None."""
        f = self.func(start)
        if not f or f[0] != start:
            return None
        b = self.read(start, min(f[1] - start, 64)) or b""
        b = b.rstrip(b"\xcc")
        if not b or len(b) > 32:
            return None
        ins = list(md.disasm(b, start))
        if ins and ins[-1].mnemonic == "jmp" and ins[-1].operands[0].type == capstone.x86.X86_OP_IMM:
            return ins[-1].operands[0].imm
        return None


binaries = {}


def binary(module, path_map):
    if module not in binaries:
        path = module
        for old, new in path_map:
            if path.startswith(old):
                path = new + path[len(old):]
        try:
            binaries[module] = Binary(path)
        except OSError:
            binaries[module] = None
    return binaries[module]


def entries(sample):
    """The physical frames of a sample's stack, leaf first: (addr, function, offset, module, found)."""
    out = []
    for f in sample["stack"]:
        if not f.get("inlined"):
            out.append((int(f["addr"], 16) if f["addr"] else None, f["function"], f["offset"], f["module"], f.get("found")))
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--path-map", action="append", default=[], help="OLD=NEW prefix of binary paths")
    ap.add_argument("--show", type=int, default=0, help="print this many broken edges")
    args = ap.parse_args()
    path_map = [tuple(m.split("=", 1)) for m in args.path_map]
    edges = Counter()
    go_samples = broken_samples = 0
    bias = {}
    shown = 0
    memo = {}
    for line in sys.stdin:
        s = json.loads(line)
        fr = entries(s)
        # Drop kernel frames: user frames are those in a binary file.
        user = [(i, f) for i, f in enumerate(fr) if f[3] and not f[3].startswith("[") or f[4] == "placeholder"]
        if not user:
            continue
        leaf_bin = binary(user[0][1][3], path_map) if user[0][1][3] else None
        if not leaf_bin or not leaf_bin.go:
            continue
        go_samples += 1
        broken = False
        for (i, callee), (j, caller) in zip(user, user[1:]):
            if j != i + 1:
                continue
            key = (callee[0], callee[1], callee[4], caller[0], caller[1], caller[3], caller[4])
            if key not in memo:
                memo[key] = classify(callee, caller, i == user[0][0], path_map, bias)
            c = memo[key]
            edges[c] += 1
            if c == "broken-direct":
                broken = True
                if shown < args.show:
                    shown += 1
                    print(f"broken: {callee[1]} <- {caller[1]}+{caller[2]:#x} ({caller[4]})", file=sys.stderr)
        broken_samples += broken
    print(f"go samples: {go_samples}")
    print(f"samples with a broken direct-call edge: {broken_samples} ({100.0 * broken_samples / max(go_samples, 1):.2f} %)")
    for k, v in sorted(edges.items()):
        print(f"edges {k}: {v}")
    sys.stdout.flush()


def classify(callee, caller, callee_exact, path_map, bias):
    caddr, cname, _, cmod, cfound = callee
    raddr, rname, roff, rmod, rfound = caller
    if rfound == "placeholder":
        return "to-placeholder"  # the unknown caller: nothing to decode
    if cname and cname.split(".abi0")[0] in INJECTED:
        return "injected-call"
    b = binary(rmod, path_map) if rmod else None
    if b is None:
        return "no-binary"
    if rmod not in bias:
        start = b.by_name.get(rname)
        if start is None:
            return "no-symbol"
        bias[rmod] = raddr - (start + roff)
    ra = raddr - bias[rmod]
    if rname == "runtime.goexit" and roff == 1:
        return "goexit"
    f = b.func(ra)
    if rfound == "call-site" and f and f[0] == ra:
        return "entry-only"
    call = b.call_before(ra)
    if call is None:
        return "no-call"
    if cfound == "placeholder":
        return "placeholder-indirect" if call[0] == "indirect" else "placeholder-direct"
    if call[0] == "indirect":
        return "indirect"
    cb = binary(cmod, path_map)
    if cb is not b:
        return "other-binary"
    pc = caddr - bias[rmod]
    cf = b.func(pc if callee_exact or pc == (b.func(pc) or (None,))[0] else pc - 1)
    target = call[1]
    tf = b.func(target)
    if tf and b.names[bisect.bisect_left(b.starts, tf[0])].split(".abi0")[0] in ("runtime.systemstack", "runtime.mcall"):
        # On g0 already, systemstack tail-calls its function (POPQ BP; JMP DI): the function's return
        # address is the one of the CALL systemstack (go1.25 asm_amd64.s:482-536). mcall the same.
        return "stack-switch"
    for _ in range(4):
        tf = b.func(target)
        if tf and cf and tf[0] == cf[0]:
            return "direct-ok"
        nxt = b.tail_jump(target)
        if nxt is None:
            break
        target = nxt
    return "broken-direct"


if __name__ == "__main__":
    main()
