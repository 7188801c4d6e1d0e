#!/usr/bin/env python3
"""Compares two folded profiles of the same workload (e.g. `-g` repaired against `--call-graph dwarf`):
the share of samples per key, for every key holding at least 2 % of either, within 4 standard errors of the
difference of two sample proportions plus half a percent point (FramePointerAgreementTests' rule).

  python3 scripts/compare-folded.py A.folded B.folded [--depth N]

Keys: the leaf function (always), and with --depth N the N leaf-most frames of each stack (frames beyond a
stack dump's `[truncated: …]` marker are never compared: only the leaf side is). Prints the keys outside
the tolerance and a summary line; exits 1 if any.
"""
import sys
from collections import Counter


def shares(path, depth):
    c = Counter()
    for line in open(path, encoding="utf-8", errors="replace"):
        stack, _, n = line.rstrip("\n").rpartition(" ")
        if not stack or not n.isdigit():
            continue
        frames = [f for f in stack.split(";")[1:] if not f.startswith("[truncated")]
        if not frames:
            continue
        c[";".join(frames[-depth:])] += int(n)
    return c, sum(c.values())


def main():
    args = sys.argv[1:]
    depth = 1
    if "--depth" in args:
        i = args.index("--depth")
        depth = int(args[i + 1])
        del args[i:i + 2]
    (a, na), (b, nb) = shares(args[0], depth), shares(args[1], depth)
    off = checked = 0
    for k in sorted(set(a) | set(b)):
        x, y = a[k] / na, b[k] / nb
        if max(x, y) < 0.02:
            continue
        checked += 1
        p = (x + y) / 2
        tol = 4 * (p * (1 - p) * (1 / na + 1 / nb)) ** 0.5 + 0.005
        if abs(x - y) > tol:
            off += 1
            print(f"  {k}: {100 * x:.2f} % vs {100 * y:.2f} % (tolerance {100 * tol:.2f})")
    print(f"depth {depth}: {checked} keys of >= 2 %, {off} outside tolerance ({na} vs {nb} samples)")
    return 1 if off else 0


if __name__ == "__main__":
    sys.exit(main())
