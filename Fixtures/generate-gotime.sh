#!/usr/bin/env bash
# Go's own formatting of a clock snapshot's wall time (gotime/): `go run` of gotime/main.go (Go 1.27)
# over gotime/inputs.txt (sec nsec pairs, as uint64: ordinary, edge and random values), output in
# gotime/wall.txt. Commands go to gotime/commands.log.
#   bash Fixtures/generate-gotime.sh
set -euo pipefail
cd "$(dirname "$0")/gotime"
GO=${GO_ROOTS_DIR:-/work/go}/1.27/goroot/bin/go
[[ -x $GO ]] || { echo "generate-gotime.sh: needs Go 1.27 at $GO (see generate.sh)" >&2; exit 1; }
export GOFLAGS=-buildvcs=false GOCACHE=/tmp/stackfold-gocache GOTOOLCHAIN=local CGO_ENABLED=0
printf '%s\n' "TZ=UTC $GO run main.go < inputs.txt > wall.txt" > commands.log
TZ=UTC "$GO" run main.go < inputs.txt > wall.txt
