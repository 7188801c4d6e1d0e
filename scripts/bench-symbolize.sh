#!/usr/bin/env bash
# Symbolization speed: µs per unique address, for the pclntab and DWARF paths of `stackfold addr2line`
# (release build, hidden --bench flag) beside llvm-symbolizer --inlines on the same addresses.
#   bash scripts/bench-symbolize.sh                          # Fixtures/bin/go1.25/workload, 20000 addresses
#   BIN=Fixtures/bin/go1.27/workload N=50000 RUNS=5 bash scripts/bench-symbolize.sh
# Addresses: N instructions of .text (objdump; not int3 padding), drawn without repeats in a fixed pseudo-random order.
# stackfold passes, all in one process: cold (a new image: tables built by the first lookups), warm (tables
# built, per-address cache emptied) and cached (every answer cached). Each row is the best of RUNS runs.
# llvm-symbolizer: the whole process (start, reading DWARF, JSON to /dev/null), best of RUNS.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${BIN:-Fixtures/bin/go1.25/workload}
N=${N:-20000}
RUNS=${RUNS:-3}
SYM=${LLVM_SYMBOLIZER:-/opt/swift/usr/bin/llvm-symbolizer}
dir=${BENCH_DIR:-/tmp/stackfold-bench}
mkdir -p "$dir"
pin=(); command -v taskset >/dev/null && pin=(taskset -c 0)
bash scripts/release-build.sh --product stackfold >/dev/null
sf=$(pwd)/.build/release/stackfold
addrs=$dir/symbolize-$(basename "$BIN")-$N.addrs
# int3 padding between functions left out: no sample lands there, and DWARF has nothing for it.
objdump -d --no-show-raw-insn -j .text "$BIN" | awk '/^ *[0-9a-f]+:\t/ && $2 != "int3" { print "0x" substr($1, 1, length($1) - 1) }' \
  | shuf -n "$N" --random-source=<(yes) > "$addrs"
echo "binary: $BIN; $(wc -l < "$addrs") unique addresses ($addrs); best of $RUNS runs; $(nproc) cores, pinned to one"
printf '%-10s %-7s %12s %14s\n' source pass total_ms us_per_unique
for src in pclntab dwarf auto; do
  for r in $(seq "$RUNS"); do "${pin[@]}" "$sf" addr2line -e "$BIN" --source "$src" --bench < "$addrs"; done \
    | awk '{ for (i = 2; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] }
             k = $1; if (!(k in best) || v["total_ms"] + 0 < best[k]) { best[k] = v["total_ms"] + 0; us[k] = v["us_per_unique"]; fr[k] = v["frames"] } }
           END { n = split("cold warm cached", order, " ")
                 for (j = 1; j <= n; j++) { k = order[j]; printf "%-10s %-7s %12.2f %14s   (%s frames)\n", "'"$src"'", k, best[k], us[k], fr[k] } }'
done
if [[ -x $SYM ]]; then
  best=""
  for r in $(seq "$RUNS"); do
    t0=$(date +%s%N)
    "${pin[@]}" "$SYM" --obj="$BIN" --inlines --output-style=JSON < "$addrs" > /dev/null
    t=$(( ($(date +%s%N) - t0) / 1000 ))
    [[ -z $best || $t -lt $best ]] && best=$t
  done
  awk -v t="$best" -v n="$(wc -l < "$addrs")" -v s="$("$SYM" --version | grep -io 'llvm version [0-9.]*')" \
    'BEGIN { printf "%-10s %-7s %12.2f %14.3f   (%s, whole process)\n", "llvm-symb", "cold", t / 1000, t / n, s }'
fi
