#!/usr/bin/env bash
# --inline/--context checks for scripts/cli-test.sh: perf script text of Go captures un-inlined from the
# bundled binaries, compared with llvm-symbolizer (scripts/cli/inline-check.py); the Perl script's own
# addr2line call answers ?? here (perf prints file offsets), which is shown, not copied.
#   bash scripts/cli/inline.sh STACKFOLD TMPDIR
sf=$1; dir=$2; fail=0
source "$(dirname "$0")/checks.sh"  # ok, bad, check
if ! command -v llvm-symbolizer >/dev/null; then echo "skip --inline checks: no llvm-symbolizer (apt-get install llvm)"; exit 0; fi
for v in 1.21 1.25 1.27; do
  for opt in "" --context; do
    r=$(python3 scripts/cli/inline-check.py Fixtures/perf/go$v-fp-mono.data.script.txt Fixtures/bin/go$v/workload "$sf" $opt); rc=$?
    check "--inline${opt:+ $opt}, Go $v: the same stacks as llvm-symbolizer's inlined chains ($r)" '[[ $rc -eq 0 ]]'
  done
done
t=Fixtures/perf/go1.25-fp-mono.data.script.txt
"$sf" collapse --inline --symfs /nonexistent "$t" >"$dir/inl.folded" 2>"$dir/err"
check "--inline: a binary not found is warned once and its frames keep perf's names" \
  '[[ $(grep -c "binary not found" "$dir/err") -eq 1 ]] && cmp -s "$dir/inl.folded" <("$sf" collapse "$t" 2>/dev/null)'
"$sf" collapse --inline --binaries Fixtures/bin/go1.21 "$t" --symfs /nonexistent >/dev/null 2>"$dir/err"
check "--inline: another build of the binary is refused by perf's symbol names" 'grep -q "not the binary recorded" "$dir/err"'
"$sf" collapse --inline Fixtures/perf/go1.25-fp-mono.data >/dev/null 2>"$dir/err"; rc=$?
check "--inline on perf.data is an error naming what to use" '[[ $rc -ne 0 ]] && grep -q -- "--srcline" "$dir/err"'
exit $fail
