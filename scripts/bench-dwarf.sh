#!/usr/bin/env bash
# Times `stackfold collapse` of a --call-graph dwarf capture beside `perf script` of the same capture
# (docs/performance.md, "--call-graph dwarf", "Where things stand"), then counts both runs' instructions
# with cachegrind when valgrind is installed: the measure issue 17's 20x goal is held to, steady where wall
# clock varies by tens of percent. Records the capture unless one is given; it is never committed. Needs
# perf (as root) and hyperfine.
#
#   bash scripts/bench-dwarf.sh [stackfold-binary] [capture]
#   PROGRAM=go bash scripts/bench-dwarf.sh     # the pure-Go workload instead of the cgo one
# Default binary .build/release/stackfold (scripts/release-build.sh), default capture: the cgo fixture
# program (Go calling C) for 8 s at 4 kHz, or with PROGRAM=go the Go workload's cpu mode for 12 s (the
# captures docs/performance.md calls dw-cgo and pg-dwarf), --call-graph dwarf (8 KiB dumps), in $TMPDIR.
set -euo pipefail
cd "$(dirname "$0")/.."
SF=${1:-.build/release/stackfold}
program=${PROGRAM:-cgo}
DATA=${2:-${TMPDIR:-/tmp}/stackfold-bench-dwarf-$program.data}
[[ -x $SF ]] || { echo "bench-dwarf.sh: no binary at $SF (bash scripts/release-build.sh --product stackfold)" >&2; exit 1; }
if [[ ! -f $DATA ]]; then
  case $program in
    go) perf record -q -e cpu-clock -F 4000 --call-graph dwarf -o "$DATA" -- Fixtures/bin/go1.25/workload -d 12s cpu > /dev/null ;;
    *) perf record -q -e cpu-clock -F 4000 --call-graph dwarf -o "$DATA" -- Fixtures/bin/go1.25/cgo -d 8s > /dev/null ;;
  esac
fi
echo "capture: $DATA ($(stat -c %s "$DATA") bytes, $("$SF" script --count-only "$DATA") samples)"
# The kernel-symbol and DWARF caches filled once, as every later run finds them.
"$SF" collapse --binaries Fixtures/bin "$DATA" > /dev/null 2>&1 || true
# Beside the fold: the floor of merely reading and ordering the records (script --count-only), and the fold
# without unwinding (--as-recorded: leaf frames only, but the same binaries and debug files loaded).
hyperfine -N -w 1 -r 5 "$SF collapse --binaries Fixtures/bin $DATA" "perf script -i $DATA" \
  "$SF script --count-only $DATA" "$SF collapse --as-recorded --binaries Fixtures/bin $DATA"
if command -v valgrind > /dev/null; then
  count() {
    SWIFT_DETERMINISTIC_HASHING=1 valgrind --tool=cachegrind --cache-sim=no --cachegrind-out-file=/dev/null "$@" 2>&1 \
      > /dev/null | sed -n 's/.*I *refs: *//p' | tr -d ,
  }
  ours=$(count "$SF" collapse --binaries Fixtures/bin "$DATA")
  theirs=$(count perf script -i "$DATA")
  awk -v a="$ours" -v b="$theirs" 'BEGIN {
    printf "instructions (cachegrind): stackfold collapse %.2f M, perf script %.1f M: %.1fx fewer\n", a / 1e6, b / 1e6, b / a }'
fi
