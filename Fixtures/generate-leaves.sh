#!/usr/bin/env bash
# The frameless-leaf fixture: builds leaves/ (Go 1.25) and records it with frame-pointer call graphs.
# Its time goes to frameless functions behind known call paths (the `expect` lines of leaves/main.go).
# Commands are logged to leaves/commands.log.
#
#   bash Fixtures/generate-leaves.sh        (as root, with perf)
set -euo pipefail
cd "$(dirname "$0")"
here=$(pwd)
GO_ROOTS_DIR=${GO_ROOTS_DIR:-/work/go}
export GOFLAGS=-buildvcs=false GOCACHE=/tmp/stackfold-gocache GOTOOLCHAIN=local CGO_ENABLED=0
log() { printf "%s\n" "$*" >> "$here/leaves/commands.log"; }
run() { log "$*"; "$@"; }
: > leaves/commands.log
GO=$GO_ROOTS_DIR/1.25/goroot/bin/go
(cd leaves && run "$GO" build -o ../bin/go1.25/leaves .)
run perf record -q -z -e cpu-clock -F 999 -g -o perf/go1.25-leaves.data -- bin/go1.25/leaves -d 2s
log "perf script -i perf/go1.25-leaves.data | zstd -19 -q > perf/go1.25-leaves.data.script.txt.zst"
perf script -i perf/go1.25-leaves.data 2>/dev/null | zstd -19 -q -f -o perf/go1.25-leaves.data.script.txt.zst
