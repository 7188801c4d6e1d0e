#!/usr/bin/env bash
# A fold that comes out empty is never printed as if it were one: the command fails with one line naming
# the input and why (no samples in the capture, none left after the filters, an event the capture does not
# have, an empty input), nothing on stdout, no -o file.
# For scripts/cli-test.sh:  bash scripts/cli/empty-fold.sh STACKFOLD TMPDIR
sf=$1; dir=$2; fail=0
check() { if eval "$2"; then echo "ok   $1"; else echo "FAIL $1"; fail=1; fi; }
data=Fixtures/perf/go1.25-fp-mono.data
none=Fixtures/corners/go1.25-no-samples.data.zst
sym=(--binaries Fixtures/bin --kallsyms Fixtures/perf/kallsyms-subset.txt --no-debuginfod)
fails() {  # name, words expected in the error line, command words...
  local name=$1 words=$2; shift 2
  rm -f "$dir/empty.out"
  "$sf" "$@" >"$dir/out" 2>"$dir/err"; local rc=$?
  check "$name: fails with one line ($words)" \
    '[[ $rc -ne 0 && $(grep -cv "warning:" "$dir/err") -eq 1 && ! -s "$dir/out" && ! -e "$dir/empty.out" ]] && grep -v "warning:" "$dir/err" | grep -q -- "$words"'
}
fails "collapse of a capture without samples" "holds no samples" collapse "${sym[@]}" "$none"
fails "flamegraph of a capture without samples" "holds no samples" flamegraph "${sym[@]}" "$none" -o "$dir/empty.out"
fails "collapse -o of a capture without samples" "holds no samples" collapse "${sym[@]}" "$none" -o "$dir/empty.out"
fails "collapse --time outside the capture" "none of its 297 samples" collapse "${sym[@]}" --time 0,1 "$data"
fails "collapse --event-filter of an event the capture lacks" "no event named page-faults" collapse "${sym[@]}" --event-filter page-faults "$data"
fails "collapse --focus matching no frame" "no stack is left" collapse "${sym[@]}" --focus no.such.function "$data"
fails "collapse of perf script text with no sample of the event" "without a sample of event page-faults" collapse --event-filter page-faults "$data.script.txt"
: > "$dir/empty.txt"
fails "collapse of an empty file" "empty input" collapse "$dir/empty.txt"
"$sf" collapse </dev/null >"$dir/out" 2>"$dir/err"; rc=$?
check "collapse of empty standard input fails naming <stdin>" '[[ $rc -ne 0 && ! -s "$dir/out" ]] && grep -q "<stdin>: empty input" "$dir/err"'
# The same options where they keep samples still fold.
"$sf" collapse "${sym[@]}" --event-filter cpu-clock "$data" >"$dir/out" 2>/dev/null; rc=$?
check "collapse --event-filter of the capture's event: runs" '[[ $rc -eq 0 && -s "$dir/out" ]]'
exit $fail
