#!/usr/bin/env bash
# `stackfold top` against `go tool pprof -top` of the profile `stackfold pprof` writes of the same
# capture: all samples, and with the trace, `top --state S` against `-tagfocus gc=S` (the gc label).
# Compared from pprof's "Showing nodes accounting for" line on (stackfold top writes no Build ID,
# Time or Duration lines). Needs Go (GO, default Go 1.25 from generate.sh's layout); not in CI.
#   bash scripts/check-pprof-top.sh [path/to/stackfold]
set -uo pipefail
cd "$(dirname "$0")/.."
SF=$(realpath "${1:-.build/debug/stackfold}")
GO=${GO:-/work/go/1.25/goroot/bin/go}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
sym=(--binaries Fixtures/bin --kallsyms Fixtures/perf/kallsyms-subset.txt --no-debuginfod)
fail=0
table() { sed -n '/^Showing nodes accounting for/,$p'; }
for c in go1.27-alloc-mono go1.21-alloc-mono go1.25-fp-mono; do
  data=Fixtures/perf/$c.data trace=Fixtures/gotrace/$c.trace
  "$SF" pprof "${sym[@]}" --go-trace "$trace" "$data" -o "$tmp/p.pb.gz" 2>/dev/null || { echo "FAIL $c: stackfold pprof"; fail=1; continue; }
  for s in all stw assist mark-worker gc-concurrent sweep none; do
    if [[ $s == all ]]; then
      theirs=$("$GO" tool pprof -symbolize=none -top "$tmp/p.pb.gz" 2>/dev/null | table)
      ours=$("$SF" top "${sym[@]}" "$data" 2>/dev/null | table)
    else
      theirs=$("$GO" tool pprof -symbolize=none -tagfocus "gc=^$s\$" -top "$tmp/p.pb.gz" 2>/dev/null | table)
      ours=$("$SF" top "${sym[@]}" --go-trace "$trace" --state "$s" "$data" 2>/dev/null | table)
    fi
    rows=$(($(printf '%s\n' "$theirs" | wc -l) - 2))
    if [[ -z $theirs && -z $ours ]]; then echo "ok   $c $s: no samples in either"
    elif [[ $theirs == "$ours" ]]; then echo "ok   $c $s: $rows rows equal"
    else echo "FAIL $c $s"; diff <(printf '%s\n' "$ours") <(printf '%s\n' "$theirs") | head -8; fail=1; fi
  done
done
exit $fail
