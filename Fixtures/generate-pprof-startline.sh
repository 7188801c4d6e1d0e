#!/usr/bin/env bash
# Function start lines, truth from the Go runtime: pprof/prog (generate-pprof-go.sh's program) built
# with Go 1.21 and 1.27 (-ldflags="-s -w": the pclntab stays, the file is smaller) and run under
# `perf record -g` while it writes its own runtime/pprof profiles.
# runtime/pprof writes each Function's start_line; stackfold's profile of the capture must give the
# same start line for every function both name (PprofTests/StartLineTruthTests).
# Kept: pprof/startline/go1.NN/{prog.zst (zstd -19), prog.data.zst, cpu.pprof, heap.pprof, goroutine.pprof}.
# Needs root (perf), Go 1.21 and 1.27 under $GO_ROOTS_DIR (default /work/go), zstd.
# Every command goes to pprof/startline/commands.log.
set -euo pipefail
cd "$(dirname "$0")"
ROOTS=${GO_ROOTS_DIR:-/work/go}
LOG=pprof/startline/commands.log
mkdir -p pprof/startline
source ./pprof-prog.sh
start_log "$(perf --version)"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
for v in 1.21 1.27; do
  out=pprof/startline/go$v
  mkdir -p "$out"
  rm -f "$out"/*
  build_prog "$v" "$tmp/go$v/prog" -ldflags="-s -w"
  run perf record -q -e cpu-clock -F 499 -g -o "$tmp/go$v/prog.data" -- "$tmp/go$v/prog" "$tmp/go$v"
  run zstd -q -19 "$tmp/go$v/prog" -o "$out/prog.zst"
  run zstd -q -19 "$tmp/go$v/prog.data" -o "$out/prog.data.zst"
  for p in cpu heap goroutine; do run cp "$tmp/go$v/$p.pprof" "$out/$p.pprof"; done
done
