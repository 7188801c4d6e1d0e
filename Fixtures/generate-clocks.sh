#!/usr/bin/env bash
# perf's default clock beside a Go execution trace, for every Go version but 1.25 (whose capture
# generate.sh makes): the alignment must estimate the offset between perf's clock and the trace's.
# Uses the binaries generate.sh built (bin/go1.NN/workload). Appends every command to clocks.commands.log.
#   bash Fixtures/generate-clocks.sh
set -euo pipefail
cd "$(dirname "$0")"
GO_ROOTS_DIR=${GO_ROOTS_DIR:-/work/go}
VERSIONS=${VERSIONS:-"1.21 1.22 1.23 1.24 1.26 1.27"}
FREQ=${FREQ:-250}
log() { printf '%s\n' "$*" >> clocks.commands.log; }
run() { log "$*"; "$@"; }
for t in perf zstd; do command -v $t >/dev/null || { echo "generate-clocks.sh: needs $t (apt-get install linux-perf zstd)" >&2; exit 1; }; done
: > clocks.commands.log
# Go 1.27 reads every trace format: its parsed view is the reference for all of them.
GO=$GO_ROOTS_DIR/1.27/goroot/bin/go
[[ -x $GO ]] || { echo "generate-clocks.sh: needs Go 1.27 at $GO (see generate.sh)" >&2; exit 1; }

truth() {  # as generate.sh: perf's record dump (hex lines dropped), samples and header
  local data=$1
  log "perf report -D -i $data | grep -v '^\\. ' > $data.report-D.txt"
  perf report -D -i "$data" 2>/dev/null | grep -v '^\. ' > "$data.report-D.txt" || true
  log "perf script -i $data > $data.script.txt"
  perf script -i "$data" > "$data.script.txt" 2>/dev/null || true
  log "perf report --header-only -i $data > $data.header.txt"
  perf report --header-only -i "$data" > "$data.header.txt" 2>/dev/null || true
}

for m in $VERSIONS; do
  name=go$m-fp-default-clock
  run perf record -q -e cpu-clock -F "$FREQ" -g -o "perf/$name.data" -- \
    "bin/go$m/workload" -d 600ms -trace "gotrace/$name.trace" mix
  rm -f "perf/$name.data.old"
  truth "perf/$name.data"
  bash generate-parsed.sh "gotrace/$name.trace"  # Go's parsed view, logged to parsed.commands.log
done
