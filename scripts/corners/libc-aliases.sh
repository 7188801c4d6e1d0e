#!/usr/bin/env bash
# By hand (needs perf): this machine's libc against perf script at every address where libc has several
# symbols. The probe op of perfcraft.py moves the leaves of Fixtures/script-corners/corners.data's samples
# to each such function start + 1, batch by batch; perf script and `stackfold script --elf-names
# --no-inline` then name them, once with libc's debug file (/usr/lib/debug/.build-id, if installed: its
# .symtab) and once with libc alone under --symfs (its .dynsym); then every .plt entry likewise. Prints, per
# batch and mode, the leaf lines that differ (0 is the goal).
#   bash scripts/corners/libc-aliases.sh [STACKFOLD]
set -euo pipefail
cd "$(dirname "$0")/../.."
SF=$(realpath "${1:-.build/debug/stackfold}")
libc=/usr/lib/x86_64-linux-gnu/libc.so.6
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
zstd -dcq Fixtures/script-corners/corners.data.zst > "$tmp/corners.data"
id=$(readelf -n $libc | awk '/Build ID/ { print $3 }')
dbg=/usr/lib/debug/.build-id/${id:0:2}/${id:2}.debug
syms=$libc; [[ -f $dbg ]] && syms=$dbg
# Function starts holding 2 or more symbols inside libc's executable segment (file offset = address there).
readelf -lW $libc > "$tmp/segments"
readelf -sW "$syms" | python3 -c '
import collections, re, sys
lo, hi = next((int(f[1], 16), int(f[1], 16) + int(f[4], 16)) for f in map(str.split, open(sys.argv[1]))
              if f[:1] == ["LOAD"] and "E" in f[6:-1])
n = collections.Counter(int(f[1], 16) for f in map(str.split, sys.stdin)
                        if len(f) >= 8 and f[3] in ("FUNC", "NOTYPE", "IFUNC") and re.fullmatch("[0-9a-f]+", f[1]))
for a in sorted(a for a, k in n.items() if k > 1 and lo <= a < hi): print("%x" % (a + 1))
' "$tmp/segments" > "$tmp/addrs"
n=$(perf script -i "$tmp/corners.data" 2>/dev/null | grep -c 'cpu-clock')
split -l $((n - 10)) "$tmp/addrs" "$tmp/batch-"
# And every .plt entry (3 bytes in): perf's synthesized name@plt symbols, from libc itself.
plt=$(readelf -SW $libc | sed -n 's/.* \.plt  *PROGBITS  *[0-9a-f]*  *\([0-9a-f]*\)  *\([0-9a-f]*\) .*/\1 \2/p')
read -r off size <<< "$plt"
for ((a = 16#$off + 3; a < 16#$off + 16#$size && a < 16#$off + 16 * (n - 10); a += 16)); do printf '%x\n' $a; done > "$tmp/batch-plt"
mkdir -p "$tmp/symfs/$(dirname $libc)" && cp $libc "$tmp/symfs/$libc"
echo "$(wc -l < "$tmp/addrs") addresses with aliases in $syms"
leaves() { grep -A1 'cpu-clock' | grep 'libc.so.6)$' || true; }
for b in "$tmp"/batch-*; do
    python3 scripts/corners/perfcraft.py "$tmp/corners.data" "$b.data" probe libc.so.6 $(cat "$b")
    perf script -i "$b.data" 2>/dev/null | leaves > "$b.perf"
    "$SF" script --elf-names --no-inline --as-recorded --max-stack 127 --no-debuginfod "$b.data" 2>/dev/null | leaves > "$b.sf"
    perf script --symfs "$tmp/symfs" -i "$b.data" 2>/dev/null | leaves > "$b.perf-dynsym"
    "$SF" script --elf-names --no-inline --as-recorded --max-stack 127 --no-debuginfod --no-debug-file \
        --symfs "$tmp/symfs" "$b.data" 2>/dev/null | leaves > "$b.sf-dynsym"
    echo "$(basename "$b"): $(wc -l < "$b.perf") leaves; differ: debug file $(diff "$b.sf" "$b.perf" | grep -c '^<' || true)," \
        "libc alone $(diff "$b.sf-dynsym" "$b.perf-dynsym" | grep -c '^<' || true)"
done
