#!/usr/bin/env bash
# Kernel-module frames through the command line (issue 18; Fixtures/generate-script-kmod.sh): `stackfold
# script --elf-names --no-inline` equals perf script's text of the crafted capture with each source of
# module symbols: the .ko under --symfs, kallsyms' [foo] lines, neither.
#   bash scripts/cli/script-kmod.sh STACKFOLD TMPDIR
sf=$1; dir=$2; fail=0
check() { if eval "$2"; then echo "ok   $1"; else echo "FAIL $1"; fail=1; fi; }
d=Fixtures/script-kmod
for k in base mod; do
  for s in symfs none; do
    symfs=$d/symfs; [[ $s == none ]] && symfs=/nonexistent
    "$sf" script --elf-names --no-inline --as-recorded --max-stack 127 --kallsyms $d/$k.kallsyms --symfs $symfs \
      $d/kmod.data.zst > "$dir/kmod.txt" 2> "$dir/kmod.err"
    check "script, kernel module frames ($k.kallsyms, .ko ${s/none/not found}): perf script's text" \
      'zstd -dcq $d/kmod.data.script-$k-$s.txt.zst | cmp -s - "$dir/kmod.txt" && grep -q "(\[foo\])" "$dir/kmod.txt"'
  done
done
exit $fail
