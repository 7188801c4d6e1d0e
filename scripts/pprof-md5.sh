#!/usr/bin/env bash
# The md5 of every `stackfold pprof` output on the fixtures (the .pb.gz as written, stderr, exit
# status), one line each, as outputs-md5.sh does for the other commands: run it with the old and the new
# binary and diff the lists. Every Fixtures/perf capture, five with their Go trace, the name filters,
# --no-inline, --only-comm, --srcline, --as-recorded; and the bench capture when BENCH_DATA names one.
#   bash scripts/pprof-md5.sh OLD/stackfold > /tmp/before.md5
#   bash scripts/pprof-md5.sh .build/debug/stackfold > /tmp/after.md5 && diff /tmp/before.md5 /tmp/after.md5
# Never needs perf or Go.
set -uo pipefail
cd "$(dirname "$0")/.."
SF=${1:-.build/debug/stackfold}
[[ -x $SF ]] || { echo "pprof-md5.sh: no binary at $SF (swift build first, or pass its path)" >&2; exit 1; }
F=Fixtures
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
sym=(--binaries "$F/bin" --kallsyms "$F/perf/kallsyms-subset.txt" --no-debuginfod)

# md5 of the .pb.gz written, of stderr (8 digits), and the exit status, then the command as run.
run() {
  rm -f "$tmp/p.pb.gz"
  "$SF" pprof "$@" -o "$tmp/p.pb.gz" > /dev/null 2> "$tmp/err"
  local rc=$? out=-
  [[ -f $tmp/p.pb.gz ]] && out=$(md5sum < "$tmp/p.pb.gz" | cut -c1-32)
  printf '%-32s %s %3d  %s\n' "$out" "$(md5sum < "$tmp/err" | cut -c1-8)" "$rc" "stackfold pprof $*"
}

for data in "$F"/perf/*.data; do
  run "${sym[@]}" "$data"
done
for name in go1.21-alloc-mono go1.25-fp-mono go1.25-tasks-mono go1.27-alloc-mono go1.27-fp-mono; do
  trace=$F/gotrace/$name.trace
  [[ $name == go1.25-tasks-mono ]] && trace=$F/gotrace/go1.25-tasks.trace
  run --go-trace "$trace" "${sym[@]}" "$F/perf/$name.data"
done
d=$F/perf/go1.25-fp-mono.data
run --hide runtime. "${sym[@]}" "$d"
run --focus main. --ignore runtime.mallocgc "${sym[@]}" "$d"
run --hide main. --go-trace "$F/gotrace/go1.25-fp-mono.trace" "${sym[@]}" "$d"
run --no-inline "${sym[@]}" "$d"
run --srcline "${sym[@]}" "$d"
run --as-recorded "${sym[@]}" "$F/perf/go1.25-dwarf.data"
run --only-comm workload "${sym[@]}" "$F/perf/go1.25-system-wide.data"
if [[ -n ${BENCH_DATA:-} ]]; then
  run "$BENCH_DATA"
fi
