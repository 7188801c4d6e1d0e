#!/usr/bin/env bash
# Builds stackfold and runs it on a bundled capture of the Go workload (Fixtures/perf/go1.25-fp-mono.data).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/deps.sh
swift build -c release --product stackfold
bin=.build/release/stackfold
capture=Fixtures/perf/go1.25-fp-mono.data
mkdir -p out
echo "== stackfold info $capture"
"$bin" info "$capture"
echo "== stackfold script $capture | head"
("$bin" script "$capture" || true) | head -n 12
echo "== folded stacks of perf's view of the same capture -> out/demo.folded"
"$bin" collapse "$capture.script.txt" > out/demo.folded
sort -k2 -n -r -t' ' out/demo.folded | head -n 5 | cut -c1-160
echo "wrote out/demo.folded ($(wc -l < out/demo.folded) stacks)"
