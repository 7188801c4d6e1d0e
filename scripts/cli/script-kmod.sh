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
for e in ko.gz ko.xz ko.zst o; do
  "$sf" script --elf-names --no-inline --as-recorded --max-stack 127 --kallsyms $d/base.kallsyms --symfs $d/symfs-compressed \
    $d/kmod-$e.data.zst > "$dir/kmod.txt" 2>/dev/null
  check "script, kernel map of foo.$e (.ko.gz and .ko.xz decompressed): perf script's text" \
    'zstd -dcq $d/kmod-$e.data.script.txt.zst | cmp -s - "$dir/kmod.txt"'
done
# perf says nothing when no source names a module's frames; stackfold warns once, saying what to pass.
check "script, kernel module frames named by kallsyms (the last run): no warning" \
  '[[ $(grep -c "kernel module frames of \[foo\] stay \[unknown\]" "$dir/kmod.err") == 0 ]]'
"$sf" script --elf-names --no-inline --kallsyms $d/base.kallsyms --symfs /nonexistent $d/kmod.data.zst > /dev/null 2> "$dir/kmod.err"
check "script, kernel module frames unnamed: one warning naming the module and what to pass" \
  '[[ $(grep -c "kernel module frames of \[foo\] stay \[unknown\]: .*--symfs" "$dir/kmod.err") == 1 ]]'
exit $fail
