#!/usr/bin/env bash
# The md5 of every command's output (stdout, stderr and exit status) on every fixture, one line each.
# Run it before and after a change that must not alter outputs, then diff the two lists:
#   bash scripts/outputs-md5.sh > /tmp/before.md5      # on the old tree (or: ... old/stackfold)
#   bash scripts/outputs-md5.sh > /tmp/after.md5 && diff /tmp/before.md5 /tmp/after.md5
# Argument: the stackfold binary (default .build/debug/stackfold; build it first). Commands: info, script,
# script --json, collapse, collapse --tid --kernel, collapse --srcline, flamegraph of the collapse, and
# for each capture with its Go trace gc, gc --folded, gc --svg, attribute --json; gotrace, --json and
# --parsed of every trace; pprof (the .pb.gz as written) of every capture, five with their Go trace, the
# name filters, --no-inline, --srcline, --as-recorded, --only-comm, and of BENCH_DATA when it names a
# capture. Never needs perf or Go.
set -uo pipefail
cd "$(dirname "$0")/.."
SF=${1:-.build/debug/stackfold}
[[ -x $SF ]] || { echo "outputs-md5.sh: no binary at $SF (swift build first, or pass its path)" >&2; exit 1; }
F=Fixtures
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# Never this machine's kernel symbols or a debuginfod server: outputs depend only on the repository.
sym=(--binaries "$F/bin" --kallsyms "$F/perf/kallsyms-subset.txt" --no-debuginfod)

# md5 of stdout, of stderr (8 digits), and the exit status, then the command as run.
run() {
  "$@" > "$tmp/out" 2> "$tmp/err"
  local rc=$?
  printf '%s %s %3d  %s\n' "$(md5sum < "$tmp/out" | cut -c1-32)" "$(md5sum < "$tmp/err" | cut -c1-8)" "$rc" "stackfold ${*:2}"
}

for data in "$F"/perf/*.data; do
  name=$(basename "$data" .data)
  run "$SF" info "$data"
  run "$SF" script "${sym[@]}" "$data"
  run "$SF" script --json "${sym[@]}" "$data"
  run "$SF" collapse "${sym[@]}" "$data"
  run "$SF" collapse --tid --kernel "${sym[@]}" "$data"
  run "$SF" collapse --srcline "${sym[@]}" "$data"
  "$SF" collapse "${sym[@]}" "$data" > "$tmp/folded" 2> /dev/null
  run "$SF" flamegraph --title "$name" - < "$tmp/folded"
  trace=$F/gotrace/$name.trace
  [[ $name == go1.25-tasks-mono ]] && trace=$F/gotrace/go1.25-tasks.trace
  if [[ -f $trace ]]; then
    run "$SF" gc --go-trace "$trace" "${sym[@]}" "$data"
    run "$SF" gc --folded --go-trace "$trace" "${sym[@]}" "$data"
    run "$SF" gc --svg --go-trace "$trace" "${sym[@]}" "$data"
    run "$SF" attribute --json --go-trace "$trace" "${sym[@]}" "$data"
  fi
done
for trace in "$F"/gotrace/*.trace; do
  run "$SF" gotrace "$trace"
  run "$SF" gotrace --json "$trace"
  run "$SF" gotrace --parsed "$trace"
done
for folded in "$F"/golden/*.folded "$F"/diff/*.folded; do
  run "$SF" flamegraph "$folded"
done
run "$SF" diff "$F/diff/go1.25.folded" "$F/diff/go1.27.folded"

# pprof writes a file: md5 of the .pb.gz as written (- when none was), of stderr, the exit status.
run_pprof() {
  rm -f "$tmp/p.pb.gz"
  "$SF" pprof "$@" -o "$tmp/p.pb.gz" > /dev/null 2> "$tmp/err"
  local rc=$? out=-
  [[ -f $tmp/p.pb.gz ]] && out=$(md5sum < "$tmp/p.pb.gz" | cut -c1-32)
  printf '%-32s %s %3d  %s\n' "$out" "$(md5sum < "$tmp/err" | cut -c1-8)" "$rc" "stackfold pprof $*"
}
for data in "$F"/perf/*.data; do
  run_pprof "${sym[@]}" "$data"
done
for name in go1.21-alloc-mono go1.25-fp-mono go1.25-tasks-mono go1.27-alloc-mono go1.27-fp-mono; do
  trace=$F/gotrace/$name.trace
  [[ $name == go1.25-tasks-mono ]] && trace=$F/gotrace/go1.25-tasks.trace
  run_pprof --go-trace "$trace" "${sym[@]}" "$F/perf/$name.data"
done
d=$F/perf/go1.25-fp-mono.data
run_pprof --hide runtime. "${sym[@]}" "$d"
run_pprof --focus main. --ignore runtime.mallocgc "${sym[@]}" "$d"
run_pprof --hide main. --go-trace "$F/gotrace/go1.25-fp-mono.trace" "${sym[@]}" "$d"
run_pprof --no-inline "${sym[@]}" "$d"
run_pprof --srcline "${sym[@]}" "$d"
run_pprof --as-recorded "${sym[@]}" "$F/perf/go1.25-dwarf.data"
run_pprof --only-comm workload "${sym[@]}" "$F/perf/go1.25-system-wide.data"
if [[ -n ${BENCH_DATA:-} ]]; then
  run_pprof "$BENCH_DATA"
fi
