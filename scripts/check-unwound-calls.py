#!/usr/bin/env python3
"""Checks unwound stacks against the machine code, with a disassembler this project did not write.

For every adjacent callee/caller pair of every sample that `stackfold script --json` prints, where the
caller's address is a return address the unwinder found (found = pcsp or cfi), the instruction that ends
at that return address must be a CALL (capstone, x86-64). When the call is direct, its target must be the
callee's function, or reach it through a tail jump in the first instructions of the target (Go's ABI
wrappers, morestack_noctxt -> morestack, gcWriteBarrierN -> gcWriteBarrier; an indirect tail jump, as
asmcgocall_landingpad's, cannot be followed and is counted apart), be a PLT stub, be `runtime.systemstack`
(already on g0 it tail-calls its function, leaving no frame), or be one of Go's duff routines (called in
their middle). Two return addresses have no CALL by design and are counted apart: `runtime.goexit`+1 (a new
goroutine's fake return address, `gostartcall`) and the signal restorer's entry
(`runtime.sigreturn__sigaction`, pushed by the kernel as the handler's return address). Two callers are not
return addresses and are counted apart: the PC a signal interrupted (the caller of a restorer, libc's
`__restore_rt` or Go's), and the PC the runtime pushed before entering `runtime.asyncPreempt`/`sigpanic`.

  python3 scripts/check-unwound-calls.py [--stackfold .build/debug/stackfold] CAPTURE [stackfold options...]

Needs: pip capstone, binutils (nm, readelf). Prints counts; exits 1 if any pair breaks the rules.
"""
import bisect
import json
import subprocess
import sys

from capstone import CS_ARCH_X86, CS_MODE_64, Cs

DUFF = ("runtime.duffzero", "runtime.duffcopy")
RESTORERS = ("runtime.sigreturn__sigaction", "runtime.sigreturn", "__restore_rt")
INJECTED = ("runtime.asyncPreempt", "runtime.sigpanic", "runtime.debugCallV2")


class Binary:
    def __init__(self, path):
        self.path = path
        self.data = open(path, "rb").read()
        self.segments = []
        for line in subprocess.run(["readelf", "-lW", path], capture_output=True, text=True).stdout.splitlines():
            f = line.split()
            if f and f[0] == "LOAD":
                self.segments.append((int(f[2], 16), int(f[1], 16), int(f[4], 16)))  # vaddr, offset, filesz
        syms = {}
        self.all_by_name = {}
        for line in subprocess.run(["nm", "-n", "--defined-only", path], capture_output=True, text=True).stdout.splitlines():
            f = line.split(" ", 2)
            if len(f) == 3 and f[1] in "tTwW":
                syms.setdefault(f[2], int(f[0], 16))
                self.all_by_name.setdefault(f[2], set()).add(int(f[0], 16))
        self.by_name = syms
        self.bias = None  # process address - file address, learnt from a frame with a unique name
        self.plt = []
        for line in subprocess.run(["readelf", "-SW", path], capture_output=True, text=True).stdout.splitlines():
            f = line.replace("[ ", "[").split()
            if len(f) > 5 and f[1].startswith(".plt"):
                self.plt.append((int(f[3], 16), int(f[5], 16)))
        pairs = sorted((a, n) for n, a in syms.items())
        self.addrs = [a for a, _ in pairs]
        self.names = [n for _, n in pairs]

    def bytes_at(self, vaddr, n):
        for va, off, size in self.segments:
            if va <= vaddr and vaddr + n <= va + size:
                o = off + vaddr - va
                return self.data[o:o + n]
        return None

    def symbol_at(self, vaddr):
        i = bisect.bisect_right(self.addrs, vaddr) - 1
        return self.names[i] if i >= 0 else None


def base(name):
    return name[:-5] if name and name.endswith(".abi0") else name


def call_before(cs, binary, ra):
    """The CALL instruction ending at `ra`, or None."""
    for k in (5, 2, 3, 6, 7, 4, 8):
        code = binary.bytes_at(ra - k, k)
        if code is None:
            continue
        ins = list(cs.disasm(code, ra - k))
        if len(ins) == 1 and ins[0].size == k and ins[0].mnemonic == "call":
            return ins[0]
    return None


def reaches(cs, binary, target, callee):
    """Whether the function at `target` tail-jumps to `callee` within its first instructions: True, False,
    or "indirect" for a jump through a register or memory."""
    code = binary.bytes_at(target, 64) or b""
    own = binary.symbol_at(target)
    indirect = False
    # Every JMP of the first 64 bytes: an assembly entry may test a CPU feature or an early case first
    # (`runtime.memequal` returns before its JMP to memeqbody, `bytealg.CountString` first JMPs to its generic
    # version).
    for ins in cs.disasm(code, target):
        if ins.mnemonic == "jmp":
            try:
                dest = int(ins.op_str, 16)
            except ValueError:
                indirect = True
                continue
            if base(binary.symbol_at(dest)) == base(callee):
                return True
        if ins.mnemonic == "call":
            break
    return "indirect" if indirect else False


def main():
    args = sys.argv[1:]
    stackfold = ".build/debug/stackfold"
    if args[:1] == ["--stackfold"]:
        stackfold, args = args[1], args[2:]
    out = subprocess.run([stackfold, "script", "--json", "--elf-names", "--no-inline", "--keep-wrappers"] + args,
                         capture_output=True, text=True, check=True).stdout
    cs = Cs(CS_ARCH_X86, CS_MODE_64)
    binaries = {}
    counts = {"pairs": 0, "call": 0, "direct-to-callee": 0, "direct-via-tail-jump": 0, "direct-via-indirect-jump": 0,
              "direct-plt": 0, "direct-systemstack": 0, "direct-duff": 0, "indirect": 0,
              "goexit+1": 0, "signal-restorer": 0, "signal-interrupted": 0, "injected-call": 0, "not-call": 0, "direct-other-target": 0, "unchecked": 0}
    bad = []
    for line in out.splitlines():
        stack = json.loads(line)["stack"]
        for callee, caller in zip(stack, stack[1:]):
            if caller.get("found") not in ("pcsp", "cfi"):
                continue
            counts["pairs"] += 1
            mod, fn = caller.get("module"), caller.get("function")
            if not mod or not fn or not callee.get("function") or not mod.startswith("/"):
                counts["unchecked"] += 1
                continue
            if mod not in binaries:
                try:
                    binaries[mod] = Binary(mod)
                except OSError:
                    binaries[mod] = None
            b = binaries[mod]
            if b is None or fn not in b.by_name:
                counts["unchecked"] += 1
                continue
            # Local names repeat (cmd/compile has two `ir.(*Func).DeclareParams.func1`): the address is then
            # the frame's own, less the bias a frame with a unique name gave.
            if len(b.all_by_name[fn]) == 1:
                ra = b.by_name[fn] + caller["offset"]
                if b.bias is None and caller.get("addr"):
                    b.bias = int(caller["addr"], 16) - ra
            elif b.bias is not None and caller.get("addr"):
                ra = int(caller["addr"], 16) - b.bias
            else:
                counts["unchecked"] += 1
                continue
            if base(fn) == "runtime.goexit" and caller["offset"] == 1:
                counts["goexit+1"] += 1
                continue
            if base(fn) in RESTORERS and caller["offset"] == 0:
                counts["signal-restorer"] += 1
                continue
            if base(callee["function"]) in RESTORERS:
                # The caller is the PC the signal interrupted, read from the signal frame (CFI's or Go's).
                counts["signal-interrupted"] += 1
                continue
            if base(callee["function"]) in INJECTED:
                # The runtime pushed the interrupted PC as the return address (async preemption, a fault).
                counts["injected-call"] += 1
                continue
            ins = call_before(cs, b, ra)
            if ins is None:
                counts["not-call"] += 1
                bad.append(f"no CALL before {fn}+{caller['offset']:#x} (callee {callee['function']})")
                continue
            counts["call"] += 1
            try:
                target = int(ins.op_str, 16)
            except ValueError:
                counts["indirect"] += 1
                continue
            tname = b.symbol_at(target)
            # Several names can share an address (runtime.text and the first function of a PIE's text).
            same = b.by_name.get(callee["function"]) == b.by_name.get(tname)
            if callee.get("module") == mod and (base(tname) == base(callee["function"]) or same):
                counts["direct-to-callee"] += 1
            elif tname in DUFF:
                counts["direct-duff"] += 1
            elif any(a <= target < a + n for a, n in b.plt):
                counts["direct-plt"] += 1
            elif base(tname) == "runtime.systemstack":
                counts["direct-systemstack"] += 1
            elif (r := reaches(cs, b, target, callee["function"])) == "indirect":
                counts["direct-via-indirect-jump"] += 1
            elif r:
                counts["direct-via-tail-jump"] += 1
            else:
                counts["direct-other-target"] += 1
                bad.append(f"{fn}+{caller['offset']:#x} calls {tname}, callee is {callee['function']}")
    print(json.dumps(counts))
    for m in sorted(set(bad))[:30]:
        print("  " + m)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
