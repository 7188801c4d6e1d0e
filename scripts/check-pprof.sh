#!/usr/bin/env bash
# Truth from outside for `stackfold pprof`: for each fixture capture, `go tool pprof -raw` of the written
# profile, folded (scripts/pprof-raw-fold.py: comm label as root, lines outermost first), must equal
# `stackfold collapse` of the same capture: the same stacks with the same periods, and the same stacks
# with the same sample counts (`collapse --count-samples`). With the Go trace of a GC-heavy run,
# `go tool pprof -tagfocus gc=assist` must give exactly `stackfold gc --folded --state assist`.
# Needs Go (GO, default Go 1.25 as Fixtures/generate.sh installs it) and a built stackfold (argument 1).
# Not a test: tests never need Go (PprofTests reads committed go tool pprof outputs instead).
set -uo pipefail
cd "$(dirname "$0")/.."
SF=$(realpath "${1:-.build/debug/stackfold}")
GO=${GO:-/work/go/1.25/goroot/bin/go}
F=Fixtures
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# Go's build cache stays where it is (go tool pprof is built on first use).
export GOCACHE=${GOCACHE:-$("$GO" env GOCACHE)}
export HOME=$tmp/home TZ=UTC
mkdir -p "$HOME"
sym=(--symfs /nonexistent --binaries "$F/bin" --kallsyms "$F/perf/kallsyms-subset.txt" --no-debuginfod)
fail=0
check() {  # label, file a, file b
  if cmp -s "$2" "$3"; then
    echo "ok    $1 ($(wc -l < "$2") stacks, total $(awk '{s+=$NF} END {print s}' "$2"))"
  else
    echo "FAIL  $1"; diff "$2" "$3" | head -5; fail=1
  fi
}
for name in go1.21-fp-mono go1.22-fp-mono go1.23-fp-mono go1.24-fp-mono go1.25-fp-mono go1.26-fp-mono go1.27-fp-mono \
            go1.25-stripped go1.25-pie go1.25-dwarf go1.25-system-wide go1.25-tasks-mono go1.27-alloc-mono go1.25-zstd; do
  data=$F/perf/$name.data
  "$SF" pprof "${sym[@]}" "$data" -o "$tmp/p.pb.gz" 2> /dev/null || { echo "FAIL  $name: stackfold pprof exited $?"; fail=1; continue; }
  "$GO" tool pprof -raw "$tmp/p.pb.gz" > "$tmp/raw.txt" 2> "$tmp/err" || { echo "FAIL  $name: go tool pprof"; cat "$tmp/err"; fail=1; continue; }
  python3 scripts/pprof-raw-fold.py "$tmp/raw.txt" > "$tmp/a"
  "$SF" collapse "${sym[@]}" "$data" > "$tmp/b" 2> /dev/null
  check "$name: periods" "$tmp/a" "$tmp/b"
  python3 scripts/pprof-raw-fold.py --value 0 "$tmp/raw.txt" > "$tmp/a"
  "$SF" collapse --count-samples "${sym[@]}" "$data" > "$tmp/b" 2> /dev/null
  check "$name: samples" "$tmp/a" "$tmp/b"
  # --as-recorded: perf's own chains, the same in both.
  "$SF" pprof --as-recorded "${sym[@]}" "$data" -o "$tmp/r.pb.gz" 2> /dev/null
  "$GO" tool pprof -raw "$tmp/r.pb.gz" 2> /dev/null | python3 scripts/pprof-raw-fold.py /dev/stdin > "$tmp/a"
  "$SF" collapse --as-recorded "${sym[@]}" "$data" > "$tmp/b" 2> /dev/null
  check "$name: --as-recorded" "$tmp/a" "$tmp/b"
done
# Filters: pprof applies collapse's --focus/--hide/--time the same way.
data=$F/perf/go1.25-fp-mono.data
filt=(--focus 'main\.' --hide 'runtime\.main$' --time ,)
"$SF" pprof "${filt[@]}" "${sym[@]}" "$data" -o "$tmp/f.pb.gz" 2> /dev/null
"$GO" tool pprof -raw "$tmp/f.pb.gz" 2> /dev/null | python3 scripts/pprof-raw-fold.py /dev/stdin > "$tmp/a"
"$SF" collapse "${filt[@]}" "${sym[@]}" "$data" > "$tmp/b" 2> /dev/null
check "go1.25-fp-mono: ${filt[*]}" "$tmp/a" "$tmp/b"
# GC labels: go tool pprof's -tagfocus gc=assist against stackfold's own assist samples.
for name in go1.27-alloc-mono go1.21-alloc-mono; do
  trace=$F/gotrace/$name.trace
  "$SF" pprof --go-trace "$trace" "${sym[@]}" "$F/perf/$name.data" -o "$tmp/g.pb.gz" 2> /dev/null
  for state in assist mark-worker; do
    "$GO" tool pprof -tagfocus "gc=$state" -raw "$tmp/g.pb.gz" 2> /dev/null | python3 scripts/pprof-raw-fold.py /dev/stdin > "$tmp/a"
    "$SF" gc --folded --state "$state" --go-trace "$trace" "${sym[@]}" "$F/perf/$name.data" 2> /dev/null | sed 's/^\[gc:[a-z-]*\];//' > "$tmp/b"
    check "$name: -tagfocus gc=$state" "$tmp/a" "$tmp/b"
  done
  echo "      go tool pprof -tagfocus gc=assist -top -sample_index=samples: $("$GO" tool pprof -tagfocus gc=assist -top -sample_index=samples "$tmp/g.pb.gz" 2> /dev/null | grep -m1 'Showing nodes')"
done
exit $fail
