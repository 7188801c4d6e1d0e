#!/usr/bin/env bash
# Benchmark: writing the pprof profile of bench.sh's capture against folding it (`collapse`), in one
# hyperfine run on one core (release build). The aim (issue 19): pprof at most 1.5x collapse.
# Instruction counts (perf stat -e instructions:u, user space only) first: they hardly move when other
# work loads the machine, wall time does. Needs perf and hyperfine.
#   bash scripts/bench-pprof.sh              # BENCH_DIR (default /tmp/stackfold-bench), RUNS (default 5)
#   SF=/path/to/stackfold bash scripts/bench-pprof.sh   # another build, not rebuilt here
set -euo pipefail
cd "$(dirname "$0")/.."
dir=${BENCH_DIR:-/tmp/stackfold-bench}
mkdir -p "$dir"
for t in perf hyperfine; do command -v $t >/dev/null || { echo "bench-pprof.sh: needs $t (apt-get install linux-perf hyperfine)" >&2; exit 1; }; done
if [[ -z ${SF:-} ]]; then
  bash scripts/release-build.sh -j 1 --product stackfold >/dev/null
fi
sf=${SF:-$(pwd)/.build/release/stackfold}
big=$dir/big.data
if [[ ! -f $big ]]; then
  # bench.sh's recipe: both cores busy with the Go workload, sampled fast, frame-pointer stacks.
  perf record -q -e cpu-clock -F 20000 -g -o "$big" -- Fixtures/bin/go1.25/workload -d 15s mix
fi
echo "capture: $big, $(du -h "$big" | cut -f1), $("$sf" script --count-only "$big") samples"
"$sf" pprof "$big" -o "$dir/big.pb.gz" 2>/dev/null
echo "profile: $(du -h "$dir/big.pb.gz" | cut -f1) gzip, $(gzip -dc "$dir/big.pb.gz" | wc -c) bytes of protobuf"
# Mean instructions of RUNS runs each, and their ratio.
insns() { perf stat -x, -e instructions:u -r "${RUNS:-5}" -- "$@" 2>&1 >/dev/null | awk -F, '/instructions/ { print $1 }'; }
ci=$(insns "$sf" collapse "$big" -o "$dir/big.folded")
pi=$(insns "$sf" pprof "$big" -o "$dir/big.pb.gz")
if [[ $ci =~ ^[0-9]+$ && $pi =~ ^[0-9]+$ ]]; then
  awk -v c="$ci" -v p="$pi" 'BEGIN { printf "instructions:u  collapse %.1f M  pprof %.1f M  ratio %.3f\n", c / 1e6, p / 1e6, p / c }'
else
  # A VM without hardware counters: count with cachegrind instead (I refs, all of the process), about
  # 100x slower. Swift seeds its hashing per process; fixed here, so that the counts repeat exactly.
  echo "instructions:u not supported here; cachegrind I refs (SWIFT_DETERMINISTIC_HASHING=1):"
  irefs() {
    SWIFT_DETERMINISTIC_HASHING=1 valgrind --tool=cachegrind --cache-sim=no --cachegrind-out-file=/dev/null "$@" 2>&1 \
      | awk '/I *refs/ { gsub(",", "", $NF); print $NF }'
  }
  ci=$(irefs "$sf" collapse "$big" -o "$dir/big.folded")
  pi=$(irefs "$sf" pprof "$big" -o "$dir/big.pb.gz")
  awk -v c="$ci" -v p="$pi" 'BEGIN { printf "I refs  collapse %.1f M  pprof %.1f M  ratio %.3f\n", c / 1e6, p / 1e6, p / c }'
fi
taskset -c 0 hyperfine -N --warmup 1 --runs "${RUNS:-5}" --export-markdown "$dir/bench-pprof.md" \
  -n "stackfold collapse" "$sf collapse $big -o $dir/big.folded" \
  -n "stackfold pprof" "$sf pprof $big -o $dir/big.pb.gz"
cat "$dir/bench-pprof.md"
