# Checks `stackfold collapse --inline/--context` on perf script text against llvm-symbolizer (LLVM's
# DWARF reader, not this project's): the samples whose every frame is in BINARY are folded again here,
# each frame replaced by llvm-symbolizer's inlined chain at its virtual address (perf prints a binary's
# addresses as file offsets; the ELF's LOAD segments map them; return addresses one byte back).
#   python3 inline-check.py SCRIPT.txt BINARY STACKFOLD [--context]
import os, re, shutil, subprocess, sys, tempfile, collections
script, binary, sf = sys.argv[1:4]
context = "--context" in sys.argv[4:]
base = os.path.basename(binary)
segs = []
for line in subprocess.run(["readelf", "-lW", binary], capture_output=True, text=True).stdout.splitlines():
    f = line.split()
    if f and f[0] == "LOAD":
        segs.append((int(f[1], 16), int(f[2], 16), int(f[4], 16)))  # offset, vaddr, filesz
def vaddr(off):
    for o, v, n in segs:
        if o <= off < o + n: return v + off - o
    return None
samples, cur = [], None
for line in open(script, errors="replace"):
    line = line.rstrip("\n")
    if line.startswith("#"): continue
    if not line.strip():
        if cur: samples.append(cur)
        cur = None; continue
    m = re.match(r"^(\S.*?)\s+\d+(?:/\d+)?\s+(?:\[\d+\]\s+)?[\d.]+:\s+(\d+)\s+(\S+?):", line)
    if m: cur = {"comm": m.group(1), "period": int(m.group(2)), "lines": [], "frames": []}; continue
    m = re.match(r"^\s+([0-9a-f]+) (.*) \((.*)\)$", line)
    if m and cur is not None:
        cur["lines"].append(line); cur["frames"].append((int(m.group(1), 16), m.group(3)))
if cur: samples.append(cur)
kept = [s for s in samples if s["frames"] and all(os.path.basename(mod) == base for _, mod in s["frames"])]
with tempfile.TemporaryDirectory() as d:
    shutil.copy(binary, os.path.join(d, base))  # a copy: a symlink out of the folder is refused
    text = os.path.join(d, "in.txt")
    with open(text, "w") as f:
        for s in kept:
            f.write("%s %d 1.000000: %d cpu-clock: \n" % (s["comm"], 1, s["period"]))
            f.write("\n".join(s["lines"]) + "\n\n")
    args = [sf, "collapse", "--context" if context else "--inline", "--symfs", "/nonexistent", "--binaries", d, text]
    ours = subprocess.run(args, capture_output=True, text=True)
addrs = sorted({(vaddr(off) - (0 if i == 0 else 1)) for s in kept for i, (off, _) in enumerate(s["frames"])})
out = subprocess.run(["llvm-symbolizer", "--obj=" + binary, "--inlining", "--functions=linkage"],
                     input="\n".join("0x%x" % a for a in addrs), capture_output=True, text=True).stdout
chains = {}
for a, block in zip(addrs, out.strip("\n").split("\n\n")):
    ls = block.split("\n")
    names = []
    for fn, loc in zip(ls[0::2], ls[1::2]):
        fl = loc.rsplit(":", 2)
        # DWARF names assembly functions by their ABI symbol (runtime.goexit.abi0); Go's pclntab, as
        # runtime.CallersFrames reports them, without the suffix.
        fn = re.sub(r"\.abi0$", "", fn)
        names.append(fn + (":%s:%s" % (os.path.basename(fl[0]), fl[1]) if context else ""))
    chains[a] = list(reversed(names))
def chain(off, leaf):
    a = vaddr(off)
    if leaf: return chains[a]
    # A signal frame's return address is the trampoline's first byte (the kernel pushed it; no call
    # precedes it): the byte before names nothing. perf names the address itself, and so does stackfold.
    return chains[a - 1] if not chains[a - 1][-1].startswith("??") else symbolize_one(a)
def symbolize_one(a):
    out = subprocess.run(["llvm-symbolizer", "--obj=" + binary, "--inlining", "--functions=linkage", "0x%x" % a],
                         capture_output=True, text=True).stdout.strip("\n").split("\n")
    names = []
    for fn, loc in zip(out[0::2], out[1::2]):
        fl = loc.rsplit(":", 2)
        names.append(re.sub(r"\.abi0$", "", fn) + (":%s:%s" % (os.path.basename(fl[0]), fl[1]) if context else ""))
    return list(reversed(names))
want = collections.Counter()
for s in kept:
    stack = [s["comm"].replace(" ", "_")]
    for i, (off, _) in reversed(list(enumerate(s["frames"]))):
        stack += chain(off, i == 0)
    want[";".join(stack)] += s["period"]
got = collections.Counter()
for line in ours.stdout.splitlines():
    k, v = line.rsplit(" ", 1); got[k] += int(v)
same = sum(min(want[k], got.get(k, 0)) for k in want)
total = sum(want.values())
print("%d samples of %d all in %s, %d frames' chains; %.2f%% of weight in identical stacks" % (len(kept), len(samples), base, len(addrs), 100 * same / max(total, 1)))
bad = [k for k in set(want) | set(got) if want.get(k, 0) != got.get(k, 0)]
for k in sorted(bad)[:6]: print("   want %d got %d  %s" % (want.get(k, 0), got.get(k, 0), k))
if ours.stderr.strip(): print("   stderr:", ours.stderr.strip()[:300])
sys.exit(0 if not bad and kept else 1)
