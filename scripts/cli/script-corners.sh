#!/usr/bin/env bash
# perf script's naming corners through the command line (issue 18; Fixtures/generate-script-corners.sh):
# `stackfold script --elf-names --no-inline` equals perf script's text of the same capture, the JIT map
# found beside the capture, chains cut at --max-stack. libc is not in the repository: its frames are
# compared as [unknown].
#   bash scripts/cli/script-corners.sh STACKFOLD TMPDIR
sf=$1; dir=$2; fail=0
check() { if eval "$2"; then echo "ok   $1"; else echo "FAIL $1"; fail=1; fi; }
d=Fixtures/script-corners
unlibc() { zstd -dcq "$1" | sed -E 's/^(\t *[0-9a-f]+) [^\t]* \((\/[^)]*\.so\.6)\)$/\1 [unknown] (\2)/'; }
run() { "$sf" script --elf-names --no-inline --as-recorded --symfs /nonexistent --binaries Fixtures/bin/c "$@"; }
for m in 127 20; do
  want=$d/corners.data.script.txt.zst; [[ $m == 20 ]] && want=$d/corners.data.script-max-stack-20.txt.zst
  run --max-stack $m $d/corners.data.zst > "$dir/corners.txt" 2> "$dir/corners.err"
  check "script corners, --max-stack $m: perf script's text (JIT map beside the capture)" \
    'unlibc $want | cmp -s - "$dir/corners.txt" && grep -q "jit_leaf+0x7 (/tmp/perf-" "$dir/corners.txt"'
  check "script corners, --max-stack $m: the cut is said on stderr" 'grep -q "longer than --max-stack $m" "$dir/corners.err"'
done
run $d/corners-pipe.data.zst --max-stack 127 > "$dir/pipe.txt" 2>/dev/null
check "script corners: pipe mode's named events as perf script" 'unlibc $d/corners-pipe.data.script.txt.zst | cmp -s - "$dir/pipe.txt"'
sys=$(cat /proc/sys/kernel/perf_event_max_stack 2>/dev/null || echo 127)
run $d/corners.data.zst > "$dir/default.txt" 2>/dev/null
run --max-stack "$sys" $d/corners.data.zst > "$dir/sys.txt" 2>/dev/null
check "script: --max-stack defaults to kernel.perf_event_max_stack ($sys), as perf script" 'cmp -s "$dir/default.txt" "$dir/sys.txt"'
"$sf" script --max-stack -1 $d/corners.data.zst > "$dir/out" 2> "$dir/err"; rc=$?
check "script --max-stack -1: an error naming the option" '[[ $rc -ne 0 && ! -s "$dir/out" ]] && grep -q -- "--max-stack" "$dir/err"'
"$sf" script --max-stack 5 --records $d/corners.data.zst > "$dir/out" 2> "$dir/err"; rc=$?
check "script --max-stack with --records: an inapplicable option (exit 64)" '[[ $rc -eq 64 && ! -s "$dir/out" ]] && grep -q -- "--max-stack does not apply" "$dir/err"'
mkdir -p "$dir/nomap" && cp $d/corners.data.zst "$dir/nomap/"
run --max-stack 127 "$dir/nomap/corners.data.zst" > "$dir/nomap.txt" 2> "$dir/nomap.err"
check "script corners: a perf map not found is one warning saying where to copy it" \
  'grep -q "JIT symbol file not found" "$dir/nomap.err" && ! grep -q jit_leaf "$dir/nomap.txt"'
exit $fail
