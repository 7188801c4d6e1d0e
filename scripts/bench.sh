#!/usr/bin/env bash
# Benchmarks stackfold beside perf script (and the FlameGraph Perl scripts when given) on the same large
# capture, recorded here on first use (never committed). Needs perf and hyperfine (apt-get install linux-perf hyperfine).
#   bash scripts/bench.sh                    # records /tmp/stackfold-bench/big.data if missing
#   FLAMEGRAPH_DIR=/path/to/FlameGraph bash scripts/bench.sh   # adds stackcollapse-perf.pl rows
#   PARTS=trace bash scripts/bench.sh        # only the Go trace and attribution parts
set -euo pipefail
cd "$(dirname "$0")/.."
dir=${BENCH_DIR:-/tmp/stackfold-bench}
mkdir -p "$dir"
for t in perf hyperfine; do command -v $t >/dev/null || { echo "bench.sh: needs $t (apt-get install linux-perf hyperfine)" >&2; exit 1; }; done
bash scripts/release-build.sh --product stackfold >/dev/null
sf=$(pwd)/.build/release/stackfold
big=$dir/big.data
if [[ ${PARTS:-all} != trace ]]; then
if [[ ! -f $big ]]; then
  # Both cores busy with the Go workload, sampled fast, frame-pointer stacks: ~600k samples.
  perf record -q -e cpu-clock -F 20000 -g -o "$big" -- Fixtures/bin/go1.25/workload -d 15s mix
fi
samples=$("$sf" script --count-only "$big")
echo "capture: $big, $(du -h "$big" | cut -f1), $samples samples"
perf script -i "$big" > "$dir/big.script.txt" 2>/dev/null
cmds=(-n "stackfold script --count-only (read every sample)" "$sf script --count-only $big"
      -n "perf script > /dev/null" "perf script -i $big > /dev/null 2>&1")
cmds+=(-n "stackfold collapse (perf script text)" "$sf collapse $dir/big.script.txt > /dev/null")
cmds+=(-n "stackfold collapse (perf.data, symbolized)" "$sf collapse $big > /dev/null"
       -n "stackfold flamegraph (perf.data to SVG)" "$sf flamegraph $big > /dev/null")
if [[ -n ${FLAMEGRAPH_DIR:-} && -f $FLAMEGRAPH_DIR/stackcollapse-perf.pl ]]; then
  cmds+=(-n "perf script | stackcollapse-perf.pl" "perf script -i $big 2>/dev/null | perl $FLAMEGRAPH_DIR/stackcollapse-perf.pl > /dev/null"
         -n "stackcollapse-perf.pl (text)" "perl $FLAMEGRAPH_DIR/stackcollapse-perf.pl $dir/big.script.txt > /dev/null")
fi
taskset -c 0 hyperfine -N --warmup 1 --runs ${RUNS:-3} --export-markdown "$dir/bench.md" "${cmds[@]}" 2>/dev/null || \
  taskset -c 0 hyperfine --warmup 1 --runs ${RUNS:-3} --export-markdown "$dir/bench.md" "${cmds[@]}"
cat "$dir/bench.md"

# Flame graph drawing: 100k unique stacks (random, deterministic), stackfold beside flamegraph.pl.
python3 - "$dir/big100k.folded" <<'PY'
import random, sys
random.seed(7)
with open(sys.argv[1], "w") as f:
    for i in range(100000):
        depth = random.randint(3, 30)
        f.write(";".join("pkg%d.func%d" % (random.randint(0, 40), random.randint(0, 400)) for _ in range(depth)) + " %d\n" % random.randint(1, 50))
PY
svg=(-n "stackfold flamegraph (100k unique stacks)" "$sf flamegraph $dir/big100k.folded -o $dir/big100k.svg")
if [[ -n ${FLAMEGRAPH_DIR:-} && -f $FLAMEGRAPH_DIR/flamegraph.pl ]]; then
  svg+=(-n "flamegraph.pl (100k unique stacks)" "perl $FLAMEGRAPH_DIR/flamegraph.pl $dir/big100k.folded > $dir/big100k-pl.svg")
fi
taskset -c 0 hyperfine --warmup 1 --runs ${RUNS:-3} --export-markdown "$dir/bench-svg.md" "${svg[@]}"
cat "$dir/bench-svg.md"
echo "SVG sizes: stackfold $(stat -c %s "$dir/big100k.svg") bytes$( [[ -f $dir/big100k-pl.svg ]] && echo ", flamegraph.pl $(stat -c %s "$dir/big100k-pl.svg") bytes")"
start=$(date +%s.%N)
timeout 60 chromium --headless=new --no-sandbox --disable-gpu --virtual-time-budget=1000 --dump-dom "file://$dir/big100k.svg" >/dev/null 2>&1 || true
end=$(date +%s.%N)
echo "Chromium (headless) loads and lays out the 100k-stack SVG in $(python3 -c "print(round($end-$start,2))") s"
fi

# Go execution trace: a 30 s traced run of the workload (~10 MB); stackfold reading it (--count-only: read and
# order every event; the summary adds the analysis) beside Go's own parser printing it (`go tool trace -d=parsed`,
# the Go 1.27 toolchain, GO=/path/to/go). Then the cost of attribution: a -k mono capture with its trace,
# `gc --folded` (read the trace, align, attribute every sample, fold by GC state) beside plain `collapse`.
trace=$dir/big.trace
[[ -f $trace ]] || (cd "$dir" && "$OLDPWD/Fixtures/bin/go1.25/workload" -d 30s -trace "$trace" mix >/dev/null)
traced=$dir/traced.data
[[ -f $traced ]] || perf record -q -e cpu-clock -F 20000 -g -k mono -o "$traced" -- \
  Fixtures/bin/go1.25/workload -d 15s -trace "$dir/traced.trace" mix >/dev/null
echo "trace: $trace, $(stat -c %s "$trace") bytes, $("$sf" gotrace --count-only "$trace") events"
gt=(-n "stackfold gotrace --count-only (read and order every event)" "$sf gotrace --count-only $trace"
    -n "stackfold gotrace (read, analyse, summary)" "$sf gotrace $trace")
GO=${GO:-/work/go/1.27/goroot/bin/go}
if [[ -x $GO ]]; then gt+=(-n "go tool trace -d=parsed > /dev/null (Go 1.27)" "$GO tool trace -d=parsed $trace > /dev/null"); fi
taskset -c 0 hyperfine -N --warmup 1 --runs ${RUNS:-3} --export-markdown "$dir/bench-gotrace.md" --export-json "$dir/bench-gotrace.json" "${gt[@]}" 2>/dev/null || \
  taskset -c 0 hyperfine --warmup 1 --runs ${RUNS:-3} --export-markdown "$dir/bench-gotrace.md" --export-json "$dir/bench-gotrace.json" "${gt[@]}"
cat "$dir/bench-gotrace.md"
# Throughput on one core (issue 5's goal: at least 100 MB/s), from the slowest, median and fastest run.
python3 - "$dir/bench-gotrace.json" "$(stat -c %s "$trace")" <<'PY'
import json, statistics, sys
size = int(sys.argv[2]) / 1e6
for r in json.load(open(sys.argv[1]))["results"]:
    t = r["times"]
    print("  %-60s %7.1f MB/s slowest, %7.1f median, %7.1f fastest" % (r["command"], size / max(t), size / statistics.median(t), size / min(t)))
PY
echo "traced capture: $traced, $(stat -c %s "$traced") bytes, $("$sf" script --count-only "$traced") samples; trace $(stat -c %s "$dir/traced.trace") bytes"
# One core first (CPU cost: the trace is then read on the same core), then both (gc reads the trace on a
# second thread while it folds perf.data: the wall time a user sees).
attr=(-n "stackfold collapse (no trace)" "$sf collapse $traced"
      -n "stackfold gotrace (the trace alone)" "$sf gotrace $dir/traced.trace"
      -n "stackfold gc --folded (trace + alignment + attribution + folding by state)" "$sf gc --go-trace $dir/traced.trace --folded $traced")
taskset -c 0 hyperfine -N --warmup 1 --runs ${RUNS:-3} --export-markdown "$dir/bench-attr.md" "${attr[@]}"
cat "$dir/bench-attr.md"
hyperfine -N --warmup 1 --runs ${RUNS:-3} --export-markdown "$dir/bench-attr-2cores.md" "${attr[@]}"
cat "$dir/bench-attr-2cores.md"
# The two commands alternately, in turns (this VM's speed drifts over minutes: hyperfine's back-to-back runs
# can compare a fast phase with a slow one), and the ratio of each turn's pair, whose two runs share a phase:
# the issue's bar is gc --folded within 20 % of collapse.
python3 - "$sf" "$traced" "$dir/traced.trace" "${RUNS_AB:-21}" <<'PY'
import statistics, subprocess, sys, time
sf, data, trace, n = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
cmds = {"collapse": [sf, "collapse", data], "gc --folded": [sf, "gc", "--go-trace", trace, "--folded", data]}
times = {k: [] for k in cmds}
for i in range(n):
    for k in (list(cmds) if i % 2 == 0 else list(reversed(cmds))):
        t = time.perf_counter()
        subprocess.run(cmds[k], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
        times[k].append(time.perf_counter() - t)
for k, t in times.items():
    print("  %-12s median %6.1f ms, fastest %6.1f ms (%d alternating runs, both cores)" % (k, statistics.median(t) * 1e3, min(t) * 1e3, n))
c, g = times["collapse"], times["gc --folded"]
pairs = sorted(a / b for a, b in zip(g, c))
print("  gc --folded / collapse: %.2f (medians), %.2f (fastest runs), %.2f (median of the %d turns' ratios; middle half %.2f-%.2f)"
      % (statistics.median(g) / statistics.median(c), min(g) / min(c), statistics.median(pairs), n, pairs[n // 4], pairs[(3 * n) // 4]))
PY
echo "where gc --folded spends its time (STACKFOLD_TIMING=1, both cores):"
STACKFOLD_TIMING=1 "$sf" gc --go-trace "$dir/traced.trace" --folded "$traced" 2>&1 >/dev/null | sed 's/^stackfold: timing: /  /'
