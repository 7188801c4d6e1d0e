#!/usr/bin/env python3
"""Every instruction end in the functions of `objdump -d --no-show-raw-insn` output on stdin (binutils, not
stackfold) whose names match argv[1], as `<end address> direct <target>`, `<end> indirect` (call through a
register or memory) or `<end> none` (any other instruction): what the CALL decoder must say there."""
import re, sys

pattern = re.compile(sys.argv[1])
func = None
prev = None  # (address, kind, target) of the previous instruction of the same function
for line in sys.stdin:
    m = re.match(r"^([0-9a-f]+) <(.+)>:$", line)
    if m:
        func = m.group(2) if pattern.search(m.group(2)) else None
        prev = None
        continue
    m = re.match(r"^\s+([0-9a-f]+):\t(\S+)\s*(.*)$", line)
    if not m or func is None:
        continue
    addr, op, rest = int(m.group(1), 16), m.group(2), m.group(3)
    if prev is not None:
        kind, target = prev[1], prev[2]
        print(f"{addr:x} {kind}" + (f" {target:x}" if target is not None else ""))
    if op.startswith("call"):
        t = re.match(r"([0-9a-f]+) <", rest)
        prev = (addr, "direct", int(t.group(1), 16)) if t else (addr, "indirect", None)
    else:
        prev = (addr, "none", None)
