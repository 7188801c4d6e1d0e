#!/usr/bin/env python3
"""Folded stacks from `go tool pprof -raw` output, as `stackfold collapse` prints them.

Usage: pprof-raw-fold.py [--value N] [--no-comm] RAW.txt
Each sample becomes `comm;root;...;leaf VALUE` (the comm label as the root frame, spaces made `_`, as
collapse's root), VALUE the sample's N-th value (default: the last, pprof's default sample type);
equal stacks are summed and the lines sorted by bytes (LC_ALL=C sort), as collapse sorts them.
Reads only what go tool pprof printed: the samples, their labels, and the Locations table.
"""
import re
import sys
from collections import defaultdict

LINE = re.compile(r"^(?P<name>.*) (?P<file>\S*):(?P<line>-?\d+):(?P<col>-?\d+) s=(?P<start>-?\d+)(\(.*\))?$")


def parse(text):
    lines = text.split("\n")
    i = lines.index("Samples:") + 2  # skip the header and the sample types line
    samples = []
    while lines[i] != "Locations":
        m = re.match(r"^((?:\s+-?\d+)+): ((?:\d+ )*)$", lines[i])
        if not m:
            raise SystemExit(f"unexpected sample line {i + 1}: {lines[i]!r}")
        values = [int(v) for v in m.group(1).split()]
        locs = [int(v) for v in m.group(2).split()]
        labels = ""
        i += 1
        while lines[i].startswith("                "):
            labels += " " + lines[i].strip()
            i += 1
        samples.append((values, locs, labels))
    i += 1
    locations = {}
    current = None
    while lines[i] != "Mappings":
        m = re.match(r"^\s*(\d+): (0x[0-9a-f]+) (?:M=\d+ )?(?:\[F\] )?(.*)$", lines[i])
        if m:
            current = int(m.group(1))
            locations[current] = []
            rest = m.group(3)
        else:
            rest = lines[i].strip()
        if rest:
            lm = LINE.match(rest)
            locations[current].append(lm.group("name") if lm else rest)
        i += 1
    return samples, locations


def comm_of(labels):
    m = re.search(r"comm:\[(.*?)\](?= \w+:\[|$)", labels.strip())
    return m.group(1).replace(" ", "_") if m else None


def main(argv):
    index = -1
    with_comm = True
    args = argv[1:]
    while args and args[0].startswith("--"):
        if args[0] == "--value":
            index = int(args[1])
            args = args[2:]
        elif args[0] == "--no-comm":
            with_comm = False
            args = args[1:]
        else:
            raise SystemExit(f"unknown option {args[0]}")
    samples, locations = parse(open(args[0], encoding="utf-8").read())
    folded = defaultdict(int)
    for values, locs, labels in samples:
        frames = []
        for loc in reversed(locs):  # root first
            frames.extend(reversed(locations[loc]))  # lines are innermost first
        if with_comm:
            frames.insert(0, comm_of(labels) or "")
        frames = [f.replace(";", ":") for f in frames]
        folded[";".join(frames)] += values[index]
    out = sys.stdout.buffer
    for stack in sorted(folded, key=lambda s: s.encode()):
        out.write(f"{stack} {folded[stack]}\n".encode())


if __name__ == "__main__":
    main(sys.argv)
