#!/usr/bin/env bash
# Benchmark: writing the pprof profile of bench.sh's capture against folding it (`collapse`), in one
# hyperfine run on one core (release build). The aim (issue 19): pprof at most 1.5x collapse.
# Needs perf (to record the capture on first use, as bench.sh does) and hyperfine.
#   bash scripts/bench-pprof.sh              # BENCH_DIR (default /tmp/stackfold-bench), RUNS (default 5)
set -euo pipefail
cd "$(dirname "$0")/.."
dir=${BENCH_DIR:-/tmp/stackfold-bench}
mkdir -p "$dir"
for t in perf hyperfine; do command -v $t >/dev/null || { echo "bench-pprof.sh: needs $t (apt-get install linux-perf hyperfine)" >&2; exit 1; }; done
swift build -c release -j 1 --product stackfold >/dev/null
sf=$(pwd)/.build/release/stackfold
big=$dir/big.data
if [[ ! -f $big ]]; then
  # bench.sh's recipe: both cores busy with the Go workload, sampled fast, frame-pointer stacks.
  perf record -q -e cpu-clock -F 20000 -g -o "$big" -- Fixtures/bin/go1.25/workload -d 15s mix
fi
echo "capture: $big, $(du -h "$big" | cut -f1), $("$sf" script --count-only "$big") samples"
"$sf" pprof "$big" -o "$dir/big.pb.gz" 2>/dev/null
echo "profile: $(du -h "$dir/big.pb.gz" | cut -f1) gzip, $(gzip -dc "$dir/big.pb.gz" | wc -c) bytes of protobuf"
taskset -c 0 hyperfine -N --warmup 1 --runs "${RUNS:-5}" --export-markdown "$dir/bench-pprof.md" \
  -n "stackfold collapse" "$sf collapse $big -o $dir/big.folded" \
  -n "stackfold pprof" "$sf pprof $big -o $dir/big.pb.gz"
cat "$dir/bench-pprof.md"
