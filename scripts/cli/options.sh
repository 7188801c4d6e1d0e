#!/usr/bin/env bash
# Options that do not apply to what was asked are usage errors (issue 18): exit 64, one line on stderr
# naming the option, nothing on stdout, no -o file; and the same options where they do apply still run.
# For scripts/cli-test.sh:  bash scripts/cli/options.sh STACKFOLD TMPDIR
sf=$1; dir=$2; fail=0
check() { if eval "$2"; then echo "ok   $1"; else echo "FAIL $1"; fail=1; fi; }
data=Fixtures/perf/go1.25-fp-mono.data
trace=Fixtures/gotrace/go1.25-fp-mono.trace
sym=(--binaries Fixtures/bin --kallsyms Fixtures/perf/kallsyms-subset.txt --no-debuginfod)
inapplicable() {  # name, option, command words...
  local name=$1 opt=$2; shift 2
  rm -f "$dir/opt.out"
  "$sf" "$@" >"$dir/out" 2>"$dir/err"; local rc=$?
  check "$name: exit 64, one line naming $opt" \
    '[[ $rc -eq 64 && $(wc -l <"$dir/err") -eq 1 && ! -s "$dir/out" && ! -e "$dir/opt.out" ]] && grep -q -- "$opt" "$dir/err"'
}
runs() {  # name, command words...: exit 0 with output
  local name=$1; shift
  "$sf" "$@" >"$dir/out" 2>/dev/null; local rc=$?
  check "$name: runs" '[[ $rc -eq 0 && -s "$dir/out" ]]'
}

# script: --count-only and --records print no samples; --annotate-inline and --count-samples are collapse's.
inapplicable "script --count-only --records" --count-only script --count-only --records "$data"
inapplicable "script --records --json" --json script --records --json "$data"
inapplicable "script --count-only --event-filter" --event-filter script --count-only --event-filter cpu-clock "$data"
inapplicable "script --count-only --binaries" --binaries script --count-only --binaries Fixtures/bin "$data"
inapplicable "script --records --only-pid" --only-pid script --records --only-pid 1 "$data" -o "$dir/opt.out"
inapplicable "script --annotate-inline" --annotate-inline script --annotate-inline "${sym[@]}" "$data"
inapplicable "script --count-samples" --count-samples script --count-samples "${sym[@]}" "$data"
runs "script --count-only --file-order --no-debuginfod" script --count-only --file-order --no-debuginfod "$data"
runs "script --records --file-order" script --records --file-order "$data"
runs "script --json --srcline --as-recorded --only-tid" script --json --srcline --as-recorded \
  --only-tid "$(awk '/^[^ \t#]/ {print $2; exit}' "$data.script.txt")" "${sym[@]}" "$data"

# info: --binaries and --symfs count what a --call-graph dwarf capture's stack dumps cut.
inapplicable "info --binaries on a frame-pointer capture" --binaries info --binaries Fixtures/bin "$data"
inapplicable "info --symfs on a frame-pointer capture" --symfs info --symfs / "$data"
"$sf" info --binaries Fixtures/bin Fixtures/perf/go1.25-dwarf.data >"$dir/out" 2>/dev/null; rc=$?
check "info --binaries on a dwarf capture: runs, counts the unwound stacks" '[[ $rc -eq 0 ]] && grep -q "^# user stacks unwound:" "$dir/out"'

# gc: drawing options need --svg; gc --svg is an icicle already and never differential.
inapplicable "gc --title without --svg" --title gc --title x --go-trace "$trace" "${sym[@]}" "$data"
inapplicable "gc --folded --colors" --colors gc --folded --colors java --go-trace "$trace" "${sym[@]}" "$data"
inapplicable "gc --hash (report)" --hash gc --hash --go-trace "$trace" "${sym[@]}" "$data" -o "$dir/opt.out"
inapplicable "gc --svg --inverted" --inverted gc --svg --inverted --go-trace "$trace" "${sym[@]}" "$data"
inapplicable "gc --svg --negate" --negate gc --svg --negate --go-trace "$trace" "${sym[@]}" "$data"
runs "gc --svg --title --colors --hash" gc --svg --title x --colors java --hash --go-trace "$trace" "${sym[@]}" "$data"
inapplicable "gc --flames without --svg (one line)" --flames gc --flames --go-trace "$trace" "$data"

# attribute prints one line per sample: no weights to count.
inapplicable "attribute --count-samples" --count-samples attribute --count-samples --go-trace "$trace" "${sym[@]}" "$data"
runs "attribute --json --raw-names" attribute --json --raw-names --go-trace "$trace" "${sym[@]}" "$data"

# gotrace: one view at a time.
inapplicable "gotrace --json --parsed" --json gotrace --json --parsed "$trace"
inapplicable "gotrace --count-only --parsed" --parsed gotrace --count-only --parsed "$trace" -o "$dir/opt.out"
inapplicable "gotrace --count-only --json" --json gotrace --count-only --json "$trace"
runs "gotrace --count-only" gotrace --count-only "$trace"

# addr2line: --bench prints timings; --go-style and --raw-names are about Go binaries.
addr=$("$sf" script --elf-names --no-inline "${sym[@]}" "$data" 2>/dev/null | awk '$2 ~ /^main\./ {print $1; exit}')
inapplicable "addr2line --bench --inlines" --inlines addr2line --bench --inlines -e Fixtures/bin/go1.25/workload "$addr"
inapplicable "addr2line --bench --json" --json addr2line --bench --json -e Fixtures/bin/go1.25/workload "$addr"
inapplicable "addr2line --go-style on a C binary" --go-style addr2line --go-style -e Fixtures/bin/c/cwork 1000
inapplicable "addr2line --raw-names on a C binary" --raw-names addr2line --raw-names -e Fixtures/bin/c/cwork 1000
runs "addr2line --go-style --raw-names --inlines --json on a Go binary" addr2line --go-style --raw-names --inlines --json -e Fixtures/bin/go1.25/workload "$addr"
runs "addr2line --inlines on a C binary" addr2line --inlines -e Fixtures/bin/c/cwork 1000
exit $fail
