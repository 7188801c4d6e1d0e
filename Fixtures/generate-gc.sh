#!/usr/bin/env bash
# GC-heavy runs (the workload's alloc mode, 1 s, perf at 1 kHz): the 600 ms `mix` captures hold only a
# handful of mark-worker and assist samples, too few to check their attribution against a 99 % bar.
# Go 1.21 (TSC trace clock: offset and scale are always fitted; perf's default clock, unlike
# CLOCK_MONOTONIC, is not slewed by NTP) and Go 1.27 (-k mono: same clock as the trace; default: offset
# estimated), each on both perf clocks.
# Uses bin/go1.21/workload and bin/go1.27/workload (generate.sh). Writes every command to gc.commands.log.
#   bash Fixtures/generate-gc.sh                          # all of them
#   bash Fixtures/generate-gc.sh go1.21-alloc-default-clock   # only these (their lines in the log replaced)
set -euo pipefail
cd "$(dirname "$0")"
GO=${GO_ROOTS_DIR:-/work/go}/1.27/goroot/bin/go
log() { printf '%s\n' "$*" >> gc.commands.log; }
run() { log "$*"; "$@"; }
for t in perf zstd; do command -v $t >/dev/null || { echo "generate-gc.sh: needs $t (apt-get install linux-perf zstd)" >&2; exit 1; }; done
[[ -x $GO ]] || { echo "generate-gc.sh: needs Go 1.27 at $GO (see generate.sh)" >&2; exit 1; }
if (($#)); then
  for name in "$@"; do grep -vF "$name." gc.commands.log > gc.commands.log.tmp || true; mv gc.commands.log.tmp gc.commands.log; done
else
  : > gc.commands.log
fi
for spec in "1.21 mono -k mono" "1.21 default-clock" "1.27 mono -k mono" "1.27 default-clock"; do
  read -r v clock kflags <<<"$spec"
  name=go$v-alloc-$clock
  if (($#)) && [[ " $* " != *" $name "* ]]; then continue; fi
  # shellcheck disable=SC2086  # kflags is empty or two words
  run perf record -q -e cpu-clock -F 1000 -g $kflags -o "perf/$name.data" -- \
    "bin/go$v/workload" -d 1s -trace "gotrace/$name.trace" alloc
  rm -f "perf/$name.data.old"
  log "perf script -i perf/$name.data > perf/$name.data.script.txt"
  perf script -i "perf/$name.data" > "perf/$name.data.script.txt" 2>/dev/null
  bash generate-parsed.sh "gotrace/$name.trace"  # Go's parsed view, logged to parsed.commands.log
done
