#!/usr/bin/env bash
# What `go tool pprof` makes of stackfold's pprof profiles: `go tool pprof -raw` of `stackfold pprof` of
# three captures (Go 1.25, its stripped build, Go 1.21), zstd -19, in pprof/written/. PprofTests reads
# them: Go's reading must give collapse's stacks, and the profile written now must read the same.
# Needs a built stackfold (argument 1, default ../.build/debug/stackfold) and a Go toolchain
# (GO, default Go 1.25 from generate.sh's layout). Every command is logged to pprof/written/commands.log.
set -euo pipefail
cd "$(dirname "$0")"
SF=$(realpath "${1:-../.build/debug/stackfold}")
GO=${GO:-/work/go/1.25/goroot/bin/go}
out=pprof/written
mkdir -p "$out"
LOG=$out/commands.log
: > "$LOG"
run() { echo "+ $*" >> "$LOG"; "$@"; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# As the tests fold: binaries by build-id from bin/, the committed kallsyms subset, nothing of this
# machine's (an empty HOME: no ~/.debug; no running kernel, no debuginfod; TZ for pprof's Time: line).
# Go's build cache stays where it is (go tool pprof is built on first use).
export GOCACHE=${GOCACHE:-$("$GO" env GOCACHE)}
export HOME=$tmp/home TZ=UTC
mkdir -p "$HOME"
sym=(--symfs /nonexistent --binaries bin --kallsyms perf/kallsyms-subset.txt --no-debuginfod)
echo "# $(date -u +%FT%TZ) $("$GO" version) stackfold $("$SF" --version)" >> "$LOG"
for name in go1.25-fp-mono go1.25-stripped go1.21-fp-mono; do
  run "$SF" pprof "${sym[@]}" "perf/$name.data" -o "$tmp/$name.pb.gz"
  run sh -c "'$GO' tool pprof -raw '$tmp/$name.pb.gz' > '$tmp/$name.raw.txt'"
  run zstd -19 -q -f "$tmp/$name.raw.txt" -o "$out/$name.data.raw.txt.zst"
done
md5sum "$out"/*.zst >> "$LOG"
