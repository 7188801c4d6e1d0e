#!/usr/bin/env bash
# Builds stackfold and draws a flame graph of a bundled capture of a *stripped* Go binary
# (perf itself names none of its frames), symbolized from the binary's own .gopclntab.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/deps.sh
bash scripts/release-build.sh --product stackfold
bin=.build/release/stackfold
capture=Fixtures/perf/go1.25-stripped.data
mkdir -p out
echo "== stackfold info $capture (head)"
"$bin" info "$capture" | head -n 20
echo "== folded stacks (binaries found by build-id under Fixtures/bin) -> out/demo.folded"
"$bin" collapse --binaries Fixtures/bin "$capture" > out/demo.folded
sort -t' ' -k2 -n -r out/demo.folded | head -n 5 | cut -c1-160
"$bin" flamegraph --colors go --title "stackfold demo: stripped Go 1.25 binary" --binaries Fixtures/bin "$capture" -o out/demo.svg
echo "== GC cross-located with CPU: perf -k mono and the runtime/trace of the same run"
"$bin" gc --binaries Fixtures/bin --go-trace Fixtures/gotrace/go1.25-fp-mono.trace Fixtures/perf/go1.25-fp-mono.data | head -n 12
"$bin" gc --binaries Fixtures/bin --go-trace Fixtures/gotrace/go1.25-fp-mono.trace Fixtures/perf/go1.25-fp-mono.data --svg -o out/demo-gc.svg
echo "wrote out/demo.folded ($(wc -l < out/demo.folded) stacks), out/demo.svg and out/demo-gc.svg (GC timeline: drag across the strip); open them in a browser"
