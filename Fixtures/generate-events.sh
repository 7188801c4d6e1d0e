#!/usr/bin/env bash
# Captures whose first declared event has no samples, as on hybrid CPUs (`cpu_atom` declared first) or
# with intel_pt// or cs_etm: the fold must take the first event that has samples and say so.
# `major-faults` does not fire while the binary is in the page cache; cpu-clock does.
# Uses bin/go1.25/workload (generate.sh). Writes every command to events.commands.log.
#   bash Fixtures/generate-events.sh
set -euo pipefail
cd "$(dirname "$0")"
log() { printf '%s\n' "$*" >> events.commands.log; }
run() { log "$*"; "$@"; }
command -v perf >/dev/null || { echo "generate-events.sh: needs perf (apt-get install linux-perf)" >&2; exit 1; }
: > events.commands.log
name=go1.25-first-event-empty
run perf record -q -e major-faults -e cpu-clock -F 250 -g -o "perf/$name.data" -- bin/go1.25/workload -d 1s cpu
rm -f "perf/$name.data.old"
log "perf script -i perf/$name.data > perf/$name.data.script.txt"
perf script -i "perf/$name.data" > "perf/$name.data.script.txt" 2>/dev/null
log "perf report --header-only -i perf/$name.data > perf/$name.data.header.txt"
perf report --header-only -i "perf/$name.data" > "perf/$name.data.header.txt" 2>/dev/null
