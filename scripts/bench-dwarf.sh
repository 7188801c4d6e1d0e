#!/usr/bin/env bash
# Times `stackfold collapse` of a --call-graph dwarf capture beside `perf script` of the same capture
# (docs/performance.md, "--call-graph dwarf"). Records the capture unless one is given; it is never
# committed. Needs perf (as root) and hyperfine.
#
#   bash scripts/bench-dwarf.sh [stackfold-binary] [capture]
# Default binary .build/release/stackfold (swift build -c release), default capture: the cgo fixture
# program (Go calling C) for 8 s at 4 kHz, --call-graph dwarf (8 KiB dumps), in $TMPDIR.
set -euo pipefail
cd "$(dirname "$0")/.."
SF=${1:-.build/release/stackfold}
DATA=${2:-${TMPDIR:-/tmp}/stackfold-bench-dwarf.data}
[[ -x $SF ]] || { echo "bench-dwarf.sh: no binary at $SF" >&2; exit 1; }
if [[ ! -f $DATA ]]; then
  perf record -q -e cpu-clock -F 4000 --call-graph dwarf -o "$DATA" -- Fixtures/bin/go1.25/cgo -d 8s > /dev/null
fi
echo "capture: $DATA ($(stat -c %s "$DATA") bytes, $(perf script -i "$DATA" 2>/dev/null | grep -c 'cpu-clock') samples)"
# Beside the fold: the floor of merely reading and ordering the records (script --count-only), and the fold
# without unwinding (--as-recorded: leaf frames only, but the same binaries and debug files loaded).
hyperfine -N -w 1 -r 5 "$SF collapse --binaries Fixtures/bin $DATA" "perf script -i $DATA" \
  "$SF script --count-only $DATA" "$SF collapse --as-recorded --binaries Fixtures/bin $DATA"
